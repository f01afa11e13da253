import type { Knex } from "knex";

/**
 * Webhook planning reads job_events after its own checkpoint. Delivery rows are an outbox: a row
 * without `enqueued_at` still needs its delivery job, so a crash between committing the rows and
 * enqueueing their jobs delays a delivery but never loses it. The checkpoint starts at the newest
 * event when this migration runs: history from before webhook planning existed is not replayed.
 * `replays` counts replays of a delivery; each replay enqueues a new delivery job.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE webhook_deliveries ADD COLUMN enqueued_at timestamptz, ADD COLUMN replays integer NOT NULL DEFAULT 0;
    UPDATE webhook_deliveries SET enqueued_at = created_at;
    CREATE INDEX webhook_deliveries_unenqueued ON webhook_deliveries (created_at) WHERE enqueued_at IS NULL;
    INSERT INTO notifier_checkpoints (name, last_event_id)
      SELECT 'webhook-planner', COALESCE(max(id), 0) FROM job_events
      ON CONFLICT (name) DO NOTHING;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM notifier_checkpoints WHERE name = 'webhook-planner';
    DROP INDEX webhook_deliveries_unenqueued;
    ALTER TABLE webhook_deliveries DROP COLUMN enqueued_at, DROP COLUMN replays;
  `);
}
