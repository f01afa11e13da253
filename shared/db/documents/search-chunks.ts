import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export interface ChunkMatch {
  document_id: string;
  filename: string;
  ordinal: number;
  content: string;
  score: number;
}

/**
 * The organization's chunks nearest to a query vector, by cosine (stored vectors are unit length, so
 * the dot product computed in SQL is the cosine). Only ready documents with the same embedder count.
 * Without pgvector this scans the organization's chunks: fine for thousands of documents, not millions.
 */
export async function searchChunks(db: Knex, organizationId: string, embedder: string, query: number[], k: number): Promise<ChunkMatch[]> {
  const { rows } = await db.raw<{ rows: ChunkMatch[] }>(
    `SELECT c.document_id, d.filename, c.ordinal, c.content,
            (SELECT sum(a * b) FROM unnest(c.embedding, ?::real[]) AS pair(a, b))::float8 AS score
     FROM document_chunks c
     JOIN documents d ON d.id = c.document_id
     WHERE c.organization_id = ? AND d.status = 'ready' AND d.embedder = ?
     ORDER BY score DESC NULLS LAST, c.document_id, c.ordinal
     LIMIT ?`,
    [pgArray(query), organizationId, embedder, k],
  );
  return rows;
}
