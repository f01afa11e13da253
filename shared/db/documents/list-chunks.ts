import type { Knex } from "knex";

export interface ChunkRow {
  ordinal: number;
  content: string;
}

/** A page of a document's chunks in order (the caller has checked the document is the organization's). */
export async function listChunks(db: Knex, documentId: string, afterOrdinal: number, limit: number): Promise<ChunkRow[]> {
  const { rows } = await db.raw<{ rows: ChunkRow[] }>(
    "SELECT ordinal, content FROM document_chunks WHERE document_id = ? AND ordinal > ? ORDER BY ordinal LIMIT ?",
    [documentId, afterOrdinal, limit],
  );
  return rows;
}
