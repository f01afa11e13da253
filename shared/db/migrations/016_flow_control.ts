import type { Knex } from "knex";

/**
 * Flow control (issue 17, decision 27): queues an organization paused, concurrency keys and debounce
 * keys. The indexes hold unfinished rows only and name no column a claim changes, so claims stay
 * HOT (decision 25): a key's running jobs are counted through `jobs_concurrency` and the rows' own
 * status and lease.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE queue_pauses (
      organization_id uuid NOT NULL,
      queue text NOT NULL,
      paused_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organization_id, queue)
    );
    ALTER TABLE jobs ADD COLUMN concurrency_key text,
                     ADD COLUMN concurrency_limit integer CHECK (concurrency_limit > 0),
                     ADD COLUMN debounce_key text;
    CREATE INDEX jobs_concurrency ON jobs (concurrency_key) WHERE concurrency_key IS NOT NULL AND finished_at IS NULL;
    CREATE INDEX jobs_debounce ON jobs (organization_id, debounce_key) WHERE debounce_key IS NOT NULL AND finished_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE queue_pauses;
    ALTER TABLE jobs DROP COLUMN concurrency_key, DROP COLUMN concurrency_limit, DROP COLUMN debounce_key;
  `);
}
