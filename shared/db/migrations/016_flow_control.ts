import type { Knex } from "knex";

/**
 * Flow control (issue 17, decision 27): queues an organization paused, concurrency keys and debounce
 * keys. `concurrency_slots` holds a row per claimed keyed job (removed when its attempt ends), so a
 * key's running jobs are counted among a handful of rows, not among all of the key's waiting jobs;
 * a slot counts only while its job runs with a live lease, so a lost worker's slots free themselves.
 * No index names a column a claim changes, so claims stay HOT (decision 25).
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
                     ADD COLUMN debounce_key text,
                     ADD COLUMN throttle_key text,
                     ADD COLUMN throttle_limit integer CHECK (throttle_limit > 0),
                     ADD COLUMN throttle_period_ms integer CHECK (throttle_period_ms > 0);
    -- One row per start of a throttled job: a key's starts in its period are counted here.
    CREATE TABLE throttle_starts (
      throttle_key text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX throttle_starts_key ON throttle_starts (throttle_key, started_at);
    CREATE TABLE concurrency_slots (
      job_id uuid PRIMARY KEY,
      concurrency_key text NOT NULL,
      concurrency_limit integer NOT NULL
    );
    CREATE INDEX concurrency_slots_key ON concurrency_slots (concurrency_key);
    CREATE INDEX jobs_debounce ON jobs (organization_id, debounce_key) WHERE debounce_key IS NOT NULL AND finished_at IS NULL;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE queue_pauses, concurrency_slots, throttle_starts;
    ALTER TABLE jobs DROP COLUMN concurrency_key, DROP COLUMN concurrency_limit, DROP COLUMN debounce_key,
                     DROP COLUMN throttle_key, DROP COLUMN throttle_limit, DROP COLUMN throttle_period_ms;
  `);
}
