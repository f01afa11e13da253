import type { Knex } from "knex";
import type { DocumentContentType } from "../../domains/documents/document-types";
import type { DocumentRow } from "./document-record";

export interface NewDocument {
  filename: string;
  contentType: DocumentContentType;
  sizeBytes: number;
  storedPath: string;
  chunkSize: number;
  overlap: number;
}

/** Records an uploaded document, queued and without a job yet. */
export async function insertDocument(db: Knex, organizationId: string, document: NewDocument): Promise<DocumentRow> {
  const { rows } = await db.raw<{ rows: DocumentRow[] }>(
    `INSERT INTO documents (organization_id, filename, content_type, size_bytes, stored_path, chunk_size, overlap)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     RETURNING *, NULL::text AS job_status`,
    [organizationId, document.filename, document.contentType, document.sizeBytes, document.storedPath, document.chunkSize, document.overlap],
  );
  return rows[0];
}
