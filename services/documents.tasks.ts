import { rm } from "node:fs/promises";
import { findDocument } from "../shared/db/documents/find-document";
import { setDocumentStatus } from "../shared/db/documents/set-document-state";
import { storeChunks } from "../shared/db/documents/store-chunks";
import { runDocumentPipeline } from "../shared/domains/documents/document-pipeline";
import { embedderFromConfig } from "../shared/domains/documents/embedder-from-config";
import { documentLimitsFrom } from "../shared/domains/documents/document-limits";
import { JobCancelledError, PermanentError } from "../shared/engine/tasks/task-errors";
import { runtimeFor } from "../shared/engine/runtime";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/documents";

/**
 * Processes one uploaded document through shared/documents' pipeline: extracting (10), chunking (30),
 * embedding (50), storing (80), done (100). Cancellation is checked between stages and embedding
 * batches; the chunks are stored in one transaction at the end (which checks once more before it
 * commits), so a cancelled or failed job leaves none behind. Transient failures (the embeddings API's
 * 429/5xx/timeouts) are retried with backoff; a corrupt file fails at once with a clear error. The
 * uploaded file is removed after success and after the final failure.
 */
export const processDocument = defineTask({
  ...declared.processDocument,
  async run(ctx, { documentId }) {
    const { db, config } = await runtimeFor(ctx.broker);
    const document = await findDocument(db, ctx.organizationId, documentId);
    if (!document) throw new PermanentError(`Document ${documentId} does not exist (deleted?)`);
    const embedder = embedderFromConfig(config);
    try {
      await setDocumentStatus(db, ctx.organizationId, documentId, "processing");
      const { chunkCount } = await runDocumentPipeline(
        {
          storedPath: document.stored_path,
          contentType: document.content_type,
          chunkSize: document.chunk_size,
          overlap: document.overlap,
          limits: documentLimitsFrom(config),
        },
        embedder,
        {
          signal: ctx.signal,
          progress: (percent, step, message) => ctx.progress(percent, step, message),
          store: (chunks) => storeChunks(db, ctx.organizationId, documentId, embedder.name, chunks, () => ctx.signal.throwIfAborted()),
        },
      );
      await rm(document.stored_path, { force: true });
      return { documentId, chunkCount, embedder: embedder.name };
    } catch (error) {
      if (!ctx.willRetry(error)) {
        // The file goes first: once the status says failed or cancelled, nothing is left behind.
        await rm(document.stored_path, { force: true });
        const cancelled = error instanceof JobCancelledError;
        await setDocumentStatus(db, ctx.organizationId, documentId, cancelled ? "cancelled" : "failed", (error as Error).message);
      }
      throw error;
    }
  },
});

export const documentTasks = [processDocument];
