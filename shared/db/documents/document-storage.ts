import type { Knex } from "knex";
import type { DocumentRow } from "./document-record";
import { insertDocument, NewDocument } from "./insert-document";

/** Bytes of an organization's uploaded files still on disk (documents not yet processed). */
async function storedUploadBytes(db: Knex, organizationId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { bytes: string | null }[] }>(
    "SELECT sum(size_bytes) AS bytes FROM documents WHERE organization_id = ? AND status IN ('queued', 'processing')",
    [organizationId],
  );
  return Number(rows[0]?.bytes ?? 0);
}

/**
 * Records the document unless the organization's waiting files would pass `quota` bytes; then it
 * answers how many are stored. One organization's uploads take turns (a transaction-scoped advisory
 * lock), so concurrent uploads cannot each see room that only one of them has.
 */
export async function insertWithinQuota(db: Knex, organizationId: string, document: NewDocument, quota: number): Promise<{ document: DocumentRow } | { stored: number }> {
  return db.transaction(async (trx) => {
    await trx.raw("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [`upload-quota:${organizationId}`]);
    const stored = await storedUploadBytes(trx, organizationId);
    if (stored + document.sizeBytes > quota) return { stored };
    return { document: await insertDocument(trx, organizationId, document) };
  });
}

export interface AbandonedDocument {
  id: string;
  organizationId: string;
  storedPath: string;
  jobStatus: "failed" | "cancelled";
  jobError: string | null;
}

/**
 * Documents still waiting whose job ended without running to its end: cancelled while queued, or
 * dead-lettered. Their task never ran its own clean-up, so their files would stay on disk.
 */
export async function abandonedDocuments(db: Knex, limit: number): Promise<AbandonedDocument[]> {
  const { rows } = await db.raw<{ rows: AbandonedDocument[] }>(
    `SELECT d.id, d.organization_id AS "organizationId", d.stored_path AS "storedPath", j.status AS "jobStatus", j.error->>'message' AS "jobError"
     FROM documents d JOIN jobs j ON j.id = d.job_id
     WHERE d.status IN ('queued', 'processing') AND j.status IN ('failed', 'cancelled')
     LIMIT ?`,
    [limit],
  );
  return rows;
}
