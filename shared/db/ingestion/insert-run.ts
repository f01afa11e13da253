import type { Knex } from "knex";
import type { IngestionRunRow } from "./run-record";

export interface NewRun {
  provider: string;
  source: string;
  filters: Record<string, unknown>;
  options: Record<string, unknown>;
}

/** A run that has read nothing yet; its job is linked by setRunJob once enqueued. */
export async function insertRun(db: Knex, organizationId: string, run: NewRun): Promise<IngestionRunRow> {
  const { rows } = await db.raw<{ rows: IngestionRunRow[] }>(
    `INSERT INTO ingestion_runs (organization_id, provider, source, filters, options)
     VALUES (?, ?, ?, ?::jsonb, ?::jsonb)
     RETURNING *, NULL::text AS job_status`,
    [organizationId, run.provider, run.source, JSON.stringify(run.filters), JSON.stringify(run.options)],
  );
  return rows[0];
}

export async function setRunJob(db: Knex, organizationId: string, runId: string, jobId: string): Promise<void> {
  await db("ingestion_runs").where({ id: runId, organization_id: organizationId }).update({ job_id: jobId });
}
