import type { Knex } from "knex";

/** Ends a running run: success, or failed with the reason. A run that already ended is left alone. */
export async function finishRun(
  db: Knex,
  organizationId: string,
  runId: string,
  outcome: { status: "success" } | { status: "failed"; error: string },
): Promise<void> {
  await db("ingestion_runs")
    .where({ id: runId, organization_id: organizationId, status: "running" })
    .update({ status: outcome.status, error: outcome.status === "failed" ? outcome.error : null, updated_at: db.fn.now() });
}
