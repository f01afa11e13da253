import { PermanentError } from "../../engine/tasks/task-errors";
import { chunkText, ChunkOptions } from "./chunk-text";
import type { DocumentContentType } from "./document-types";
import { Embedder, embedAll } from "./embedder";
import { extractText } from "./extract-text";
import type { DocumentLimits } from "./document-limits";

export interface DocumentSource extends ChunkOptions {
  storedPath: string;
  contentType: DocumentContentType;
  limits: DocumentLimits;
}

export interface EmbeddedChunk {
  content: string;
  embedding: Float32Array;
}

export interface PipelineHooks {
  /** Checked between stages and embedding batches: cancel or shutdown stops the pipeline. */
  signal: AbortSignal;
  progress(percent: number, step: string, message?: string): Promise<void>;
  /** Stores every chunk at once (all or nothing); false when the document is gone. */
  store(chunks: EmbeddedChunk[]): Promise<boolean>;
}

/**
 * A document's way from file to stored chunks: extracting (10), chunking (30), embedding (50),
 * storing (80), done (100). Nothing is stored before the last stage, so stopping earlier leaves
 * nothing behind. The whole text is released once it is cut into chunks.
 */
export async function runDocumentPipeline(source: DocumentSource, embedder: Embedder, hooks: PipelineHooks): Promise<{ chunkCount: number }> {
  await hooks.progress(10, "extracting");
  const chunks = await chunksOf(source, hooks);
  if (chunks.length === 0) throw new PermanentError("The document contains no text (scanned PDFs would need OCR, which is not supported)");

  await hooks.progress(50, "embedding", `${chunks.length} chunks with ${embedder.name}`);
  const vectors = await embedAll(embedder, chunks, hooks.signal);

  await hooks.progress(80, "storing");
  const stored = await hooks.store(chunks.map((content, index) => ({ content, embedding: vectors[index] })));
  if (!stored) throw new PermanentError("The document was deleted while it was processed");
  await hooks.progress(100, "done");
  return { chunkCount: chunks.length };
}

async function chunksOf(source: DocumentSource, hooks: PipelineHooks): Promise<string[]> {
  const text = await extractText(source.storedPath, source.contentType, source.limits);
  hooks.signal.throwIfAborted();
  await hooks.progress(30, "chunking");
  const chunks = chunkText(text, source, source.limits.maxChunks);
  hooks.signal.throwIfAborted();
  return chunks;
}
