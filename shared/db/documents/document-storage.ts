import type { Knex } from "knex";

/** Bytes of an organization's uploaded files still on disk (documents not yet processed). */
export async function storedUploadBytes(db: Knex, organizationId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { bytes: string | null }[] }>(
    "SELECT sum(size_bytes) AS bytes FROM documents WHERE organization_id = ? AND status IN ('queued', 'processing')",
    [organizationId],
  );
  return Number(rows[0]?.bytes ?? 0);
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
