import { Service, ServiceBroker } from "moleculer";
import type { ZodIssue } from "zod";
import { notFound, validationFailed } from "../shared/http/api-errors";
import { organizationOf } from "../shared/http/caller";
import { apiPath, jobStatusUrl } from "../shared/http/api-paths";
import { HttpContext, respondWith } from "../shared/http/http-meta";
import { jsonSchemaOf } from "../shared/http/json-schema";
import { ingestionIdParams, ingestionListParams, ingestionRequestSchema, recordsParams } from "../shared/domains/ingestion/ingestion-params";
import { decodeCursor, encodeCursor } from "../shared/http/created-at-cursor";
import { findRun, listRuns } from "../shared/db/ingestion/find-runs";
import { finishRun } from "../shared/db/ingestion/finish-run";
import { insertRun, setRunJob } from "../shared/db/ingestion/insert-run";
import { IngestedRecordRow, listRecords } from "../shared/db/ingestion/list-records";
import { IngestionRunRow, toPublicRun } from "../shared/db/ingestion/run-record";
import { ingestionProviders, ProviderRegistry } from "../shared/domains/ingestion/providers";
import { organizationUploadDir } from "../shared/domains/ingestion/upload-path";
import { decodeRecordCursor, encodeRecordCursor } from "../shared/domains/ingestion/record-cursor";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { enqueue } from "../shared/engine/enqueue/enqueue";
import { ingest, ingestionTasks } from "./ingestion.tasks";

type IngestionContext = HttpContext;



const publicView = (row: IngestionRunRow) => ({ ...toPublicRun(row), statusUrl: row.job_id ? jobStatusUrl(row.job_id) : null });

const publicRecord = (row: IngestedRecordRow) => ({
  source: row.source,
  externalId: row.external_id,
  data: row.data,
  runId: row.run_id,
  firstSeenAt: row.first_seen_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** A provider's schema rejected part of the request: its issues, under that part's name. */
const partFailed = (part: "filters" | "options", provider: string, issues: ZodIssue[]) =>
  validationFailed(
    `Invalid ${part} for provider "${provider}"`,
    issues.map((issue) => ({ ...issue, path: [part, ...issue.path] })),
  );

/**
 * Data ingestion jobs: `POST /ingestion/jobs` validates the provider's options and filters, records a
 * run and enqueues `datasync.ingest` for it (202); the run's counts, checkpoint and status are read
 * back with the job's status. Records land in ingested_records, one per (organization, source, id).
 */
export default class IngestionService extends Service {
  private runtime!: Runtime;
  private providers!: ProviderRegistry;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "ingestion",
      tasks: ingestionTasks,
      actions: {
        create: (ctx: IngestionContext) => this.create(ctx),
        get: async (ctx: IngestionContext) => {
          const { id } = parseParams(ingestionIdParams, ctx.params);
          const row = await findRun(this.runtime.db, organizationOf(ctx), id);
          if (!row) throw notFound("Ingestion job");
          return publicView(row);
        },
        list: async (ctx: IngestionContext) => {
          const { limit, cursor } = parseParams(ingestionListParams, ctx.params);
          const rows = await listRuns(this.runtime.db, organizationOf(ctx), limit + 1, cursor === undefined ? undefined : decodeCursor(cursor));
          const page = rows.slice(0, limit);
          return { items: page.map(publicView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
        },
        records: async (ctx: IngestionContext) => {
          const { limit, cursor, ...filter } = parseParams(recordsParams, ctx.params);
          const after = cursor === undefined ? undefined : decodeRecordCursor(cursor);
          const rows = await listRecords(this.runtime.db, organizationOf(ctx), filter, limit + 1, after);
          const page = rows.slice(0, limit);
          return { items: page.map(publicRecord), nextCursor: rows.length > limit ? encodeRecordCursor(page[page.length - 1]) : null };
        },
        providers: () => ({
          items: [...this.providers.values()].map((provider) => ({
            name: provider.name,
            description: provider.description,
            filters: jsonSchemaOf(provider.filters, { target: "openApi3" }),
            options: jsonSchemaOf(provider.options, { target: "openApi3" }),
          })),
        }),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
        // For the providers' descriptions; a request is checked by its organization's own (create).
        this.providers = ingestionProviders({ uploadDir: this.runtime.config.UPLOAD_DIR });
      },
    });
  }

  private async create(ctx: IngestionContext) {
    const organizationId = organizationOf(ctx);
    const names = [...this.providers.keys()] as [string, ...string[]];
    const request = parseParams(
      ingestionRequestSchema(names),
      ctx.params,
    );
    // The file provider reads only the organization's own folder of UPLOAD_DIR.
    const provider = ingestionProviders({ uploadDir: organizationUploadDir(this.runtime.config.UPLOAD_DIR, organizationId) }).get(request.provider)!;
    const options = provider.options.safeParse(request.options);
    if (!options.success) throw partFailed("options", provider.name, options.error.issues);
    const filters = provider.filters.safeParse(request.filters);
    if (!filters.success) throw partFailed("filters", provider.name, filters.error.issues);

    const run = await insertRun(this.runtime.db, organizationId, {
      provider: provider.name,
      source: provider.source(options.data),
      filters: filters.data,
      options: options.data,
    });
    // Keyed by the run: a retried request never starts a second job for it.
    const { job } = await enqueue(ctx, organizationId, ingest, { runId: run.id }, { idempotencyKey: `ingestion:${run.id}` }).catch(
      async (error: Error) => {
        // A run no job will ever take must not look as if it were still going.
        await finishRun(this.runtime.db, organizationId, run.id, { status: "failed", error: `Could not enqueue: ${error.message}` });
        throw error;
      },
    );
    await setRunJob(this.runtime.db, organizationId, run.id, job.id);
    const row = await findRun(this.runtime.db, organizationId, run.id);
    if (!row) throw notFound("Ingestion job");
    respondWith(ctx, 202, apiPath("ingestion", "jobs", run.id));
    return { ...publicView(row), job };
  }
}
