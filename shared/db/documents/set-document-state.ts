import type { Knex } from "knex";
import type { DocumentStatus } from "./document-record";

/** Links a document to its processing job. */
export async function setDocumentJob(db: Knex, organizationId: string, id: string, jobId: string): Promise<void> {
  await db.raw("UPDATE documents SET job_id = ?, updated_at = now() WHERE id = ? AND organization_id = ?", [jobId, id, organizationId]);
}

/** Moves a document to processing, failed or cancelled (ready is set with its chunks: see storeChunks). */
export async function setDocumentStatus(
  db: Knex,
  organizationId: string,
  id: string,
  status: Exclude<DocumentStatus, "ready" | "queued">,
  error: string | null = null,
): Promise<void> {
  await db.raw("UPDATE documents SET status = ?, error = ?, updated_at = now() WHERE id = ? AND organization_id = ?", [
    status,
    error,
    id,
    organizationId,
  ]);
}
