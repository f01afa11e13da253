import { rm } from "node:fs/promises";
import { z } from "zod";
import { findDocument } from "../shared/db/documents/find-document";
import { setDocumentStatus } from "../shared/db/documents/set-document-state";
import { storeChunks } from "../shared/db/documents/store-chunks";
import { chunkText } from "../shared/documents/chunk-text";
import { embedAll } from "../shared/documents/embedder";
import { embedderFromConfig } from "../shared/documents/embedder-from-config";
import { extractText } from "../shared/documents/extract-text";
import { JobCancelledError, PermanentError, TimeLimitExceededError, TransientError, WorkerShutdownError } from "../shared/errors";
import { runtimeFor } from "../shared/runtime";
import { defineTask } from "../shared/tasks/define-task";
import type { TaskContext } from "../shared/tasks/task-context";

const MAX_ATTEMPTS = 4;

/** Whether this failure ends the job for good (so the document is marked and its file removed). */
function isFinal(ctx: TaskContext, error: unknown): boolean {
  const retried = error instanceof TransientError || error instanceof WorkerShutdownError || error instanceof TimeLimitExceededError;
  return !retried || ctx.attempt >= ctx.maxAttempts;
}

/**
 * Processes one uploaded document: extracting (10), chunking (30), embedding (50), storing (80),
 * done (100). It checks for cancellation between stages (and between embedding batches); the chunks
 * are stored in one transaction at the end, so a cancelled or failed job leaves none behind.
 * Transient failures (the embeddings API's 429/5xx/timeouts) are retried with backoff; a corrupt file
 * fails at once with a clear error. The uploaded file is removed after success and after the final failure.
 */
export const processDocument = defineTask({
  name: "documents.process",
  payload: z.object({ documentId: z.string().uuid() }),
  maxAttempts: MAX_ATTEMPTS,
  backoff: { type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true },
  retryOn: [TransientError],
  async run(ctx, { documentId }) {
    const { db, config } = await runtimeFor(ctx.broker);
    const document = await findDocument(db, ctx.organizationId, documentId);
    if (!document) throw new PermanentError(`Document ${documentId} does not exist (deleted?)`);
    try {
      await setDocumentStatus(db, ctx.organizationId, documentId, "processing");
      await ctx.progress(10, "extracting");
      const text = await extractText(document.stored_path, document.content_type);
      if (!text.trim()) throw new PermanentError("The document contains no text (scanned PDFs would need OCR, which is not supported)");
      ctx.signal.throwIfAborted();

      await ctx.progress(30, "chunking");
      const chunks = chunkText(text, { chunkSize: document.chunk_size, overlap: document.overlap });
      ctx.signal.throwIfAborted();

      const embedder = embedderFromConfig(config);
      await ctx.progress(50, "embedding", `${chunks.length} chunks with ${embedder.name}`);
      const vectors = await embedAll(embedder, chunks, ctx.signal);

      await ctx.progress(80, "storing");
      const stored = await storeChunks(
        db,
        ctx.organizationId,
        documentId,
        embedder.name,
        chunks.map((content, index) => ({ content, embedding: vectors[index] })),
        () => ctx.signal.throwIfAborted(),
      );
      if (!stored) throw new PermanentError(`Document ${documentId} was deleted while it was processed`);
      await rm(document.stored_path, { force: true });
      await ctx.progress(100, "done");
      return { documentId, chunkCount: chunks.length, embedder: embedder.name };
    } catch (error) {
      if (isFinal(ctx, error)) {
        const cancelled = error instanceof JobCancelledError;
        await setDocumentStatus(db, ctx.organizationId, documentId, cancelled ? "cancelled" : "failed", (error as Error).message);
        await rm(document.stored_path, { force: true });
      }
      throw error;
    }
  },
});

export const documentTasks = [processDocument];
