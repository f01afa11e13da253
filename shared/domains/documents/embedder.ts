/** Turns texts into vectors; documents are searched by the cosine between their chunks' vectors and the query's. */
export interface Embedder {
  /** Stored with each document: only vectors from the same embedder are compared. */
  readonly name: string;
  /** How many texts one `embed` call should get at most. */
  readonly batchSize: number;
  /** One L2-normalised vector per text, in order. */
  embed(texts: string[], signal: AbortSignal): Promise<number[][]>;
}

/** Scales a vector to length 1 (a zero vector stays zero), so a dot product is the cosine. */
export function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  if (sum === 0) return vector;
  const norm = Math.sqrt(sum);
  return vector.map((value) => value / norm);
}

/** Cosine similarity of two vectors of the same length. */
export function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  for (let index = 0; index < a.length; index++) {
    dot += a[index] * b[index];
    normA += a[index] * a[index];
    normB += b[index] * b[index];
  }
  return normA === 0 || normB === 0 ? 0 : dot / Math.sqrt(normA * normB);
}

/**
 * Embeds many texts batch by batch, stopping between batches when the signal fires. Vectors are kept
 * as 32-bit floats (what Postgres' real[] stores anyway): half the memory of number arrays, which
 * matters for a large document's hundred thousand chunks.
 */
export async function embedAll(embedder: Embedder, texts: string[], signal: AbortSignal): Promise<Float32Array[]> {
  const vectors: Float32Array[] = [];
  for (let start = 0; start < texts.length; start += embedder.batchSize) {
    signal.throwIfAborted();
    for (const vector of await embedder.embed(texts.slice(start, start + embedder.batchSize), signal)) vectors.push(Float32Array.from(vector));
  }
  return vectors;
}
