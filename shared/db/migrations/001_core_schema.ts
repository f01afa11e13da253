import type { Knex } from "knex";

/** Organizations, their API keys, jobs and the append-only job history. */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE organizations (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_keys (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      name text NOT NULL,
      key_prefix text NOT NULL,
      key_hash text NOT NULL UNIQUE,
      created_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    );

    CREATE TABLE jobs (
      id uuid PRIMARY KEY,
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      task text NOT NULL,
      queue text NOT NULL,
      payload jsonb NOT NULL,
      status text NOT NULL CHECK (status IN
        ('scheduled', 'queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled')),
      attempts integer NOT NULL DEFAULT 0,
      max_attempts integer NOT NULL CHECK (max_attempts > 0),
      priority integer NOT NULL DEFAULT 0,
      progress jsonb,
      result jsonb,
      error jsonb,
      idempotency_key text,
      run_at timestamptz,
      soft_time_limit_ms integer,
      time_limit_ms integer,
      lease_expires_at timestamptz,
      published_at timestamptz,
      dead_lettered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      started_at timestamptz,
      finished_at timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (organization_id, idempotency_key)
      WHERE idempotency_key IS NOT NULL;
    CREATE INDEX jobs_organization_created ON jobs (organization_id, created_at DESC, id DESC);
    CREATE INDEX jobs_dead_lettered ON jobs (organization_id, queue, dead_lettered_at DESC)
      WHERE status = 'failed';
    CREATE INDEX jobs_unpublished ON jobs (updated_at) WHERE published_at IS NULL;

    CREATE TABLE job_events (
      id bigserial PRIMARY KEY,
      job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
      organization_id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX job_events_job ON job_events (job_id, id);
    CREATE INDEX job_events_organization ON job_events (organization_id, id);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP TABLE job_events, jobs, api_keys, organizations");
}
