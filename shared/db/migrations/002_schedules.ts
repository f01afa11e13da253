import type { Knex } from "knex";

/**
 * Schedules (cron, interval and one-off) and the runs they fired. A run is unique per schedule and
 * fire time, so two schedulers that both believe they lead can never record, and so never enqueue,
 * the same run twice. Jobs carry the schedule that fired them.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE schedules (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      name text NOT NULL,
      task text NOT NULL,
      payload jsonb NOT NULL DEFAULT '{}',
      queue text,
      priority integer NOT NULL DEFAULT 0,
      options jsonb NOT NULL DEFAULT '{}',
      kind text NOT NULL CHECK (kind IN ('cron', 'interval', 'once')),
      cron text,
      timezone text NOT NULL DEFAULT 'UTC',
      interval_ms bigint CHECK (interval_ms > 0),
      run_at timestamptz,
      enabled boolean NOT NULL DEFAULT true,
      start_at timestamptz,
      expires_at timestamptz,
      max_runs integer CHECK (max_runs > 0),
      total_run_count integer NOT NULL DEFAULT 0,
      last_run_at timestamptz,
      next_run_at timestamptz,
      missed_run_policy text NOT NULL DEFAULT 'fire_once' CHECK (missed_run_policy IN ('fire_once', 'skip')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (organization_id, name),
      CHECK (CASE kind
               WHEN 'cron' THEN cron IS NOT NULL AND interval_ms IS NULL AND run_at IS NULL
               WHEN 'interval' THEN interval_ms IS NOT NULL AND cron IS NULL AND run_at IS NULL
               ELSE run_at IS NOT NULL AND cron IS NULL AND interval_ms IS NULL
             END)
    );
    -- The scheduler's only hot query: what is due next. Paused and finished schedules have no next_run_at.
    CREATE INDEX schedules_due ON schedules (next_run_at) WHERE next_run_at IS NOT NULL;

    CREATE TABLE schedule_runs (
      id bigserial PRIMARY KEY,
      schedule_id uuid NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
      organization_id uuid NOT NULL,
      fire_time timestamptz NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'manual')),
      -- Earlier fire times this catch-up run stands for (missed-run policy fire_once).
      coalesced_runs integer NOT NULL DEFAULT 0,
      -- No foreign key to jobs (see 005): the job may be pruned, the run's history stays.
      job_id uuid,
      error jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (schedule_id, fire_time)
    );
    CREATE INDEX schedule_runs_unenqueued ON schedule_runs (created_at) WHERE job_id IS NULL AND error IS NULL;
    CREATE INDEX schedule_runs_fire_time ON schedule_runs (fire_time);

    ALTER TABLE jobs ADD COLUMN schedule_id uuid;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE jobs DROP COLUMN schedule_id; DROP TABLE schedule_runs, schedules");
}
