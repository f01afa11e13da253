import type { Knex } from "knex";

/** Deletes a document (its chunks cascade); returns its stored file's path and job, or undefined when there was none. */
export async function deleteDocument(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<{ storedPath: string; jobId: string | null } | undefined> {
  const { rows } = await db.raw<{ rows: { stored_path: string; job_id: string | null }[] }>(
    "DELETE FROM documents WHERE id = ? AND organization_id = ? RETURNING stored_path, job_id",
    [id, organizationId],
  );
  return rows[0] ? { storedPath: rows[0].stored_path, jobId: rows[0].job_id } : undefined;
}
