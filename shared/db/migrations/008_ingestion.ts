import type { Knex } from "knex";

/**
 * Data ingestion. An `ingestion_runs` row is one ingestion job's own record: what to read (provider,
 * source, filters, options), how far it got (counts and the provider's checkpoint, written in the same
 * transaction as each batch of records, so a retried attempt resumes exactly after the last committed
 * batch) and how it ended. `batches` counts committed batches; a batch commits only if the run still
 * has the count its attempt read, so two attempts can never both write from the same checkpoint.
 * `ingested_records` holds the records, one per (organization, source, external id): ingesting the same
 * source again updates them instead of adding duplicates. `job_id` has no foreign key, as with every
 * reference to jobs (see 005_no_foreign_keys_to_jobs).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE ingestion_runs (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      provider text NOT NULL,
      source text NOT NULL,
      filters jsonb NOT NULL DEFAULT '{}',
      options jsonb NOT NULL DEFAULT '{}',
      status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'success', 'failed')),
      records_read bigint NOT NULL DEFAULT 0,
      records_written bigint NOT NULL DEFAULT 0,
      records_skipped bigint NOT NULL DEFAULT 0,
      records_failed bigint NOT NULL DEFAULT 0,
      total bigint,
      batches integer NOT NULL DEFAULT 0,
      checkpoint jsonb,
      error text,
      job_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX ingestion_runs_organization_created ON ingestion_runs (organization_id, created_at DESC, id DESC);

    CREATE TABLE ingested_records (
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      source text NOT NULL,
      external_id text NOT NULL,
      data jsonb NOT NULL,
      run_id uuid NOT NULL,
      first_seen_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (organization_id, source, external_id)
    );
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP TABLE ingested_records; DROP TABLE ingestion_runs");
}
