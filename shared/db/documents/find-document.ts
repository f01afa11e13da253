import type { Knex } from "knex";
import { DOCUMENT_COLUMNS, DocumentRow, JOIN_PROCESSING_JOB } from "./document-record";

/** One document of the organization, with its processing job's status. */
export async function findDocument(db: Knex, organizationId: string, id: string): Promise<DocumentRow | undefined> {
  const { rows } = await db.raw<{ rows: DocumentRow[] }>(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents ${JOIN_PROCESSING_JOB} WHERE documents.id = ? AND documents.organization_id = ?`,
    [id, organizationId],
  );
  return rows[0];
}
