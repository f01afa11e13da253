import type { Knex } from "knex";
import { CreatedAtCursor, whereAfterCursor } from "../created-at-keyset";
import { IngestionRunRow, JOIN_RUN_JOB, RUN_COLUMNS } from "./run-record";

/** One run of the organization, with its job's status. */
export async function findRun(db: Knex, organizationId: string, id: string): Promise<IngestionRunRow | undefined> {
  const { rows } = await db.raw<{ rows: IngestionRunRow[] }>(
    `SELECT ${RUN_COLUMNS} FROM ingestion_runs ${JOIN_RUN_JOB} WHERE ingestion_runs.id = ? AND ingestion_runs.organization_id = ?`,
    [id, organizationId],
  );
  return rows[0];
}

/** Newest first, `limit` runs after the cursor. */
export async function listRuns(db: Knex, organizationId: string, limit: number, after?: CreatedAtCursor): Promise<IngestionRunRow[]> {
  const query = db("ingestion_runs")
    .joinRaw(JOIN_RUN_JOB)
    .select(db.raw(RUN_COLUMNS))
    .where("ingestion_runs.organization_id", organizationId);
  if (after) whereAfterCursor(query, "ingestion_runs", organizationId, after);
  return query
    .orderBy([{ column: "ingestion_runs.created_at", order: "desc" }, { column: "ingestion_runs.id", order: "desc" }])
    .limit(limit);
}
