import type { Knex } from "knex";

/** The notifier's checkpoint, per-job callback URLs, and webhook subscriptions with their deliveries. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE notifier_checkpoints (
      name text PRIMARY KEY,
      last_event_id bigint NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    );

    ALTER TABLE jobs ADD COLUMN callback_url text;
    ALTER TABLE organizations
      ADD COLUMN webhook_secret text NOT NULL DEFAULT encode(sha256(gen_random_uuid()::text::bytea), 'hex');

    CREATE TABLE webhook_subscriptions (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      url text NOT NULL,
      secret text NOT NULL,
      event_types text[] NOT NULL,
      task text,
      active boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_subscriptions_organization ON webhook_subscriptions (organization_id) WHERE active;

    CREATE TABLE webhook_deliveries (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      subscription_id uuid REFERENCES webhook_subscriptions(id) ON DELETE SET NULL,
      -- 'callback' for a job's own callbackUrl, else the subscription id: one delivery per event and target.
      target text NOT NULL,
      job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      event_id bigint NOT NULL,
      event_type text NOT NULL,
      url text NOT NULL,
      body jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
      attempts integer NOT NULL DEFAULT 0,
      last_status_code integer,
      last_error text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (event_id, target)
    );
    CREATE INDEX webhook_deliveries_organization ON webhook_deliveries (organization_id, created_at DESC);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DROP TABLE webhook_deliveries, webhook_subscriptions, notifier_checkpoints;
    ALTER TABLE jobs DROP COLUMN callback_url;
    ALTER TABLE organizations DROP COLUMN webhook_secret;
  `);
}
