import type { Knex } from "knex";

/**
 * Drops the job_events → jobs foreign key. Postgres checks a foreign key with a query whose plan each
 * connection caches; planned while `jobs` is small (every fresh install), it is a sequential scan, and
 * it stays one as the table grows, so each event insert reads the whole jobs table (BENCHMARKS.md).
 * Events are only written by the job transition statements, from the rows they just changed, so the
 * key guarded nothing they do not already guarantee. Whatever deletes jobs (there is no retention job
 * yet) must delete their events itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE job_events DROP CONSTRAINT job_events_job_id_fkey");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(
    "ALTER TABLE job_events ADD CONSTRAINT job_events_job_id_fkey FOREIGN KEY (job_id) REFERENCES jobs(id) ON DELETE CASCADE",
  );
}
