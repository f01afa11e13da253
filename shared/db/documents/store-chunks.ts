import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export interface ChunkToStore {
  content: string;
  embedding: ArrayLike<number>;
}

/** Rows per INSERT: big enough to be quick, small enough to keep each statement's parameters modest. */
const INSERT_BATCH = 1_000;

/**
 * A vector as a Postgres array literal; six decimals are plenty for unit vectors. Lexical vectors are
 * mostly zeros, written as "0": the literal, and Postgres' parsing of it, shrink to less than half.
 */
const arrayLiteral = (vector: ArrayLike<number>) => `{${Array.from(vector, (value) => (value === 0 ? "0" : value.toFixed(6))).join(",")}}`;

/**
 * Replaces a document's chunks and marks it ready, in one transaction: readers see either no chunks
 * or all of them, and a retried job never duplicates any. `beforeCommit` runs last inside the
 * transaction (a cancelled job throws there, and nothing is stored). Returns false when the document
 * was deleted meanwhile.
 */
export async function storeChunks(
  db: Knex,
  organizationId: string,
  documentId: string,
  embedder: string,
  chunks: ChunkToStore[],
  beforeCommit: () => void,
): Promise<boolean> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw("SELECT id FROM documents WHERE id = ? AND organization_id = ? FOR UPDATE", [documentId, organizationId]);
    if (rows.length === 0) return false;
    await trx.raw("DELETE FROM document_chunks WHERE document_id = ?", [documentId]);
    for (let start = 0; start < chunks.length; start += INSERT_BATCH) {
      const batch = chunks.slice(start, start + INSERT_BATCH);
      await trx.raw(
        `INSERT INTO document_chunks (document_id, organization_id, ordinal, content, embedding)
         SELECT ?, ?, ordinal, content, embedding::real[]
         FROM unnest(?::int[], ?::text[], ?::text[]) AS chunk(ordinal, content, embedding)`,
        [
          documentId,
          organizationId,
          pgArray(batch.map((_, index) => start + index)),
          pgArray(batch.map((chunk) => chunk.content)),
          pgArray(batch.map((chunk) => arrayLiteral(chunk.embedding))),
        ],
      );
    }
    await trx.raw(
      "UPDATE documents SET status = 'ready', error = NULL, chunk_count = ?, embedder = ?, updated_at = now() WHERE id = ?",
      [chunks.length, embedder, documentId],
    );
    beforeCommit();
    return true;
  });
}
