import { rm } from "node:fs/promises";
import path from "node:path";
import { Context, Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { ApiError, notFound, validationFailed } from "../shared/http/api-errors";
import { abandonedDocuments, insertWithinQuota } from "../shared/db/documents/document-storage";
import { PeriodicChore } from "../shared/engine/maintenance/periodic-chore";
import { CallerMeta, organizationOf } from "../shared/http/caller";
import { jobStatusUrl } from "../shared/http/api-paths";
import { chunksParams, documentIdParams, searchParams } from "../shared/domains/documents/document-params";
import { deleteDocument } from "../shared/db/documents/delete-document";
import { DocumentRow, PublicDocument, toPublicDocument } from "../shared/db/documents/document-record";
import { findDocument } from "../shared/db/documents/find-document";
import { listChunks } from "../shared/db/documents/list-chunks";
import { searchChunks } from "../shared/db/documents/search-chunks";
import { setDocumentJob, setDocumentStatus } from "../shared/db/documents/set-document-state";
import { TERMINAL_STATUSES } from "../shared/db/jobs/job-record";
import { chunkOptionsSchema } from "../shared/domains/documents/chunk-text";
import { DOCUMENT_TYPES, DocumentContentType } from "../shared/domains/documents/document-types";
import { embedderFromConfig } from "../shared/domains/documents/embedder-from-config";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { enqueue } from "../shared/engine/enqueue/enqueue";
import { documentTasks, processDocument } from "./documents.tasks";

type DocumentsContext = Context<Record<string, unknown>, CallerMeta>;

/** Abandoned documents cleaned up per sweep. */
const ABANDONED_BATCH = 100;

const publicView = (row: DocumentRow): PublicDocument => toPublicDocument(row, jobStatusUrl);

const contentTypes = Object.values(DOCUMENT_TYPES) as [DocumentContentType, ...DocumentContentType[]];
/** What the gateway passes after it stored an upload; clients never call this directly. */
const createParams = z
  .object({
    storedPath: z.string().min(1),
    originalName: z.string().min(1).max(200),
    contentType: z.enum(contentTypes),
    size: z.number().int().nonnegative(),
  })
  .and(chunkOptionsSchema);

/**
 * Documents: uploads become `documents.process` jobs that extract, chunk, embed and store them; then
 * their chunks can be read and searched by similarity across the organization. The gateway streams
 * uploads to UPLOAD_DIR and calls `create`; the same service runs the task (queue `documents`).
 */
export default class DocumentsService extends Service {
  private runtime!: Runtime;
  private sweeper: PeriodicChore | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "documents",
      tasks: documentTasks,
      actions: {
        create: (ctx: DocumentsContext) => this.create(ctx),
        get: async (ctx: DocumentsContext) => publicView(await this.requireDocument(ctx)),
        chunks: (ctx: DocumentsContext) => this.chunks(ctx),
        search: (ctx: DocumentsContext) => this.search(ctx),
        remove: (ctx: DocumentsContext) => this.remove(ctx),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
        this.sweeper = new PeriodicChore({ name: "abandoned-document-files", intervalMs: this.runtime.config.SWEEP_INTERVAL_MS, run: () => this.removeAbandonedFiles() });
        await this.sweeper.start();
      },
      stopped: () => this.sweeper?.stop(),
    });
  }

  private async create(ctx: DocumentsContext): Promise<PublicDocument> {
    const params = parseParams(createParams, ctx.params);
    const uploadDir = path.resolve(this.runtime.config.UPLOAD_DIR);
    // Only files the gateway stored are processed, whatever an internal caller passes.
    if (path.dirname(path.resolve(params.storedPath)) !== uploadDir) {
      throw validationFailed("Invalid request", [{ code: "custom", path: ["storedPath"], message: "must be a file in UPLOAD_DIR" }]);
    }
    const organizationId = organizationOf(ctx);
    const quota = this.runtime.config.UPLOAD_QUOTA_BYTES;
    const inserted = await insertWithinQuota(
      this.runtime.db,
      organizationId,
      {
        filename: params.originalName,
        contentType: params.contentType,
        sizeBytes: params.size,
        storedPath: params.storedPath,
        chunkSize: params.chunkSize,
        overlap: params.overlap,
      },
      quota,
    );
    if (!("document" in inserted)) {
      const { stored } = inserted;
      throw new ApiError(413, "QUOTA_EXCEEDED", `The organization's files waiting for processing would pass ${quota} bytes (UPLOAD_QUOTA_BYTES); ${stored} are stored`, { quota, stored });
    }
    const { document } = inserted;
    try {
      const { job } = await enqueue(ctx, organizationId, processDocument, { documentId: document.id }, {
        idempotencyKey: `document:${document.id}`,
        timeLimitMs: this.runtime.config.DOCUMENT_TIME_LIMIT_MS,
      });
      await setDocumentJob(this.runtime.db, organizationId, document.id, job.id);
    } catch (error) {
      // No job, no document: the caller still owns the file and deletes it with its error answer.
      await deleteDocument(this.runtime.db, organizationId, document.id);
      throw error;
    }
    return publicView((await findDocument(this.runtime.db, organizationId, document.id)) ?? document);
  }

  private async chunks(ctx: DocumentsContext) {
    const { id, cursor, limit } = parseParams(chunksParams, ctx.params);
    const document = await this.reread(ctx, id);
    const rows = await listChunks(this.runtime.db, document.id, cursor ?? -1, limit + 1);
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => ({ ordinal: row.ordinal, content: row.content })),
      nextCursor: rows.length > limit ? String(page[page.length - 1].ordinal) : null,
    };
  }

  private async search(ctx: DocumentsContext) {
    const { q, k } = parseParams(searchParams, ctx.params);
    const embedder = embedderFromConfig(this.runtime.config);
    const [query] = await embedder.embed([q], AbortSignal.timeout(this.runtime.config.EMBEDDER_TIMEOUT_MS));
    const matches = await searchChunks(this.runtime.db, organizationOf(ctx), embedder.name, query, k);
    return {
      items: matches.map((match) => ({
        documentId: match.document_id,
        filename: match.filename,
        ordinal: match.ordinal,
        content: match.content,
        score: match.score,
      })),
    };
  }

  /**
   * Removes the files of documents whose job was cancelled while queued or dead-lettered: their task
   * never ran, so nothing else would. A sweep of the tables rather than the jobs' end events: it
   * also catches an end whose event this service missed (it was down, the event was lost). Every
   * replica may run it; each step is idempotent.
   */
  private async removeAbandonedFiles(): Promise<void> {
    try {
      for (const document of await abandonedDocuments(this.runtime.db, ABANDONED_BATCH)) {
        await rm(document.storedPath, { force: true });
        const reason = document.jobError ?? `the job was ${document.jobStatus}`;
        await setDocumentStatus(this.runtime.db, document.organizationId, document.id, document.jobStatus, reason);
      }
    } catch (error) {
      this.logger.warn("Removing abandoned document files failed; the next sweep tries again", error);
    }
  }

  /** Deletes the document, its chunks and its file; a job still working on it is cancelled first. */
  private async remove(ctx: DocumentsContext) {
    const document = await this.requireDocument(ctx);
    if (document.job_id && document.job_status && !TERMINAL_STATUSES.includes(document.job_status)) {
      // It may finish between the read and the cancel; deleting the document is what matters.
      await ctx.call("jobs.cancel", { id: document.job_id }).catch((error: Error) => this.logger.debug("Job not cancelled", error.message));
    }
    const deleted = await deleteDocument(this.runtime.db, organizationOf(ctx), document.id);
    if (!deleted) throw notFound("Document");
    await rm(deleted.storedPath, { force: true });
    return { id: document.id, deleted: true };
  }

  private async requireDocument(ctx: DocumentsContext): Promise<DocumentRow> {
    const { id } = parseParams(documentIdParams, ctx.params);
    return this.reread(ctx, id);
  }

  private async reread(ctx: DocumentsContext, id: string): Promise<DocumentRow> {
    const row = await findDocument(this.runtime.db, organizationOf(ctx), id);
    if (!row) throw notFound("Document");
    return row;
  }
}
