import type { Knex } from "knex";

/**
 * Issues and their AI enrichment. `version` counts edits of title and body; an enrichment job
 * enriches one version and writes its summary and tags only while the issue still has that version,
 * so a slow job for an old text never overwrites the results for a newer one.
 * `enrichment_job_id` is the latest enrichment job (no foreign key, as with every reference to jobs:
 * see 005_no_foreign_keys_to_jobs).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE issues (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
      title text NOT NULL,
      body text NOT NULL DEFAULT '',
      labels text[] NOT NULL DEFAULT '{}',
      author text,
      version integer NOT NULL DEFAULT 1,
      ai_summary text,
      tags text[] NOT NULL DEFAULT '{}',
      enriched_version integer,
      enricher text,
      enriched_at timestamptz,
      enrichment_job_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX issues_organization_created ON issues (organization_id, created_at DESC, id DESC);
    CREATE INDEX issues_tags ON issues USING gin (tags);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP TABLE issues");
}
