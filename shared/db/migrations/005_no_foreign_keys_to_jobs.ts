import type { Knex } from "knex";

/**
 * Drops the job_events → jobs and webhook_deliveries → jobs foreign keys. Postgres checks a foreign
 * key with a query whose plan each connection caches; planned while `jobs` is small (every fresh
 * install), it is a sequential scan, and it stays one as the table grows, so each event insert reads
 * the whole jobs table (BENCHMARKS.md).
 * Events and deliveries are only written from job rows just read or changed, so the keys guarded
 * nothing the writers do not already guarantee. Whatever deletes jobs (there is no retention job
 * yet) must delete their events and deliveries itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey");
  await knex.raw("ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_job_id_fkey");
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ["job_events", "webhook_deliveries"]) {
    await knex.raw(
      `ALTER TABLE ${table} ADD CONSTRAINT ${table}_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE`,
    );
  }
}
