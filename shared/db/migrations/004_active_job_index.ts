import type { Knex } from "knex";

/** Counting a queue's unfinished jobs (dashboard, metrics) without scanning finished ones. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE INDEX jobs_active ON jobs (organization_id, queue, status)
      WHERE status IN ('scheduled', 'queued', 'running', 'retrying');
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX jobs_active");
}
