import { z } from "zod";
import { config } from "../../config";
import { chunkOptionsSchema } from "../../shared/domains/documents/chunk-text";
import { chunksParams, documentIdParams, searchParams } from "../../shared/domains/documents/document-params";
import { issueCreateParams, issueIdParams, issueListParams, issueUpdateParams } from "../../shared/domains/enrichment/issue-params";
import { ingestionIdParams, ingestionListParams, ingestionRequestSchema, recordsParams } from "../../shared/domains/ingestion/ingestion-params";
import { ingestionProviders } from "../../shared/domains/ingestion/providers";
import { scheduleIdParams, scheduleListParams, scheduleRunsParams } from "../../shared/domains/schedules/schedule-params";
import { schedulePatchSchema, scheduleRequestSchema } from "../../shared/domains/schedules/schedule-request";
import { deliveryListParams, subscriptionCreateParams, subscriptionUpdateParams, webhookIdParams } from "../../shared/domains/webhooks/webhook-params";
import { enqueueRequestSchema, MAX_BULK_JOBS } from "../../shared/engine/enqueue/enqueue-request";
import { API_PREFIX } from "../../shared/http/api-paths";
import { jobIdParams, jobListParams, jobStreamParams, queueNameParams } from "../../shared/http/job-params";
import { jsonSchemaOf } from "../../shared/http/json-schema";
import { queueStatsParams } from "../../shared/http/queue-stats-params";
import {
  bulkJobsSchema,
  chunkSchema,
  documentBatchSchema,
  documentSchema,
  errorSchema,
  flowControlSchema,
  ingestionRunSchema,
  issueSchema,
  jobEventSchema,
  jobSchema,
  pageOf,
  queueStatsSchema,
  scheduleRunSchema,
  scheduleSchema,
  searchResultsSchema,
  webhookDeliverySchema,
  webhookPlanningSchema,
  webhookSubscriptionSchema,
} from "./api-schemas";
import { MAX_BATCH_FILES } from "./document-uploads";

/**
 * The OpenAPI 3.1 document served at /api/v1/openapi.json, generated from the zod schemas the
 * actions validate with (requests) and answer by (services/gateway/api-schemas.ts). This file only
 * says which route takes and answers which schema; test/integration/openapi.test.ts checks that every
 * gateway alias has its entry here and that real answers match it.
 */

/** Schemas with a name in components.schemas; everywhere else they appear as a $ref. */
const COMPONENTS: Record<string, z.ZodTypeAny> = {
  EnqueueRequest: enqueueRequestSchema,
  Job: jobSchema,
  JobEvent: jobEventSchema,
  ScheduleRequest: scheduleRequestSchema,
  SchedulePatch: schedulePatchSchema,
  Schedule: scheduleSchema,
  ScheduleRun: scheduleRunSchema,
  IssueRequest: issueCreateParams,
  Issue: issueSchema,
  Document: documentSchema,
  IngestionRun: ingestionRunSchema,
  WebhookSubscription: webhookSubscriptionSchema,
  WebhookDelivery: webhookDeliverySchema,
  Error: errorSchema,
};
const REF_PATH = "#/components/schemas";

const toJson = (schema: z.ZodTypeAny) => jsonSchemaOf(schema, { references: COMPONENTS, refPath: REF_PATH });

interface Answer {
  description: string;
  /** JSON body; none for answers described only in words. */
  schema?: z.ZodTypeAny;
  /** The answer is a Server-Sent Events stream (text/event-stream). */
  eventStream?: boolean;
}

interface Operation {
  summary: string;
  /** Path parameters (`{id}`); their names are left out of the body's schema. */
  path?: z.AnyZodObject;
  query?: z.AnyZodObject;
  body?: z.ZodTypeAny;
  /** A multipart/form-data upload, with these form fields beside its `file` parts. */
  upload?: z.ZodTypeAny;
  responses: Record<number, Answer>;
  /** Outside /api/v1 (health, readiness, metrics, dashboard); these need no API key. */
  root?: true;
  /** Needs no API key. */
  open?: true;
}

const error = (description: string): Answer => ({ description, schema: errorSchema });
const AUTHENTICATED_ERRORS = { 401: error("Missing or invalid API key"), 422: error("Invalid parameters") };
const job = (description: string): Answer => ({ description, schema: jobSchema });
const noSuch = (what: string) => ({ 404: error(`No such ${what}`) });
const queuePauseAnswer = z.object({ queue: z.string(), paused: z.boolean() });
const deleted = { description: "Deleted", schema: z.object({ id: z.string().uuid(), deleted: z.literal(true) }) };
const items = (item: z.ZodTypeAny) => z.object({ items: z.array(item) });
const jobStreamAnswer: Answer = {
  description: "`id:` the event id, `event:` the type, `data:` the job update as JSON; `: heartbeat` comments keep it open",
  eventStream: true,
};

type Operations = Record<string, Partial<Record<"get" | "post" | "patch" | "delete", Operation>>>;

/**
 * Every route the gateway serves, by OpenAPI path (under /api/v1 unless `root`) and method. Built on
 * first use, once the configuration is final (the ingestion providers' names come from it).
 */
function operations(): Operations {
  const providerNames = [...ingestionProviders({ uploadDir: config().UPLOAD_DIR }).keys()] as [string, ...string[]];
  return {
    "/jobs": {
      post: {
        summary: "Enqueue a job",
        body: enqueueRequestSchema,
        responses: {
          202: job("Accepted; Location points at the job"),
          200: job("A job with this idempotency key already exists"),
          413: error("Body larger than BODY_LIMIT"),
          ...AUTHENTICATED_ERRORS,
        },
      },
      get: { summary: "List and search jobs, newest first: by id, status, task, queue, schedule, creation time and payload content", query: jobListParams, responses: { 200: { description: "A page of jobs", schema: pageOf(jobSchema) }, ...AUTHENTICATED_ERRORS } },
    },
    "/jobs/bulk": {
      post: {
        summary: `Enqueue up to ${MAX_BULK_JOBS} jobs in one request; if any is invalid, none is enqueued`,
        body: z.object({ jobs: z.array(enqueueRequestSchema).min(1).max(MAX_BULK_JOBS) }).strict(),
        responses: { 202: { description: "Accepted, in request order", schema: bulkJobsSchema }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/jobs/stream": {
      get: {
        summary: "Server-Sent Events: every update of the organization's jobs that matches the filter; Last-Event-ID resumes",
        query: jobStreamParams,
        responses: { 200: jobStreamAnswer, ...AUTHENTICATED_ERRORS },
      },
    },
    "/jobs/dead-letters": {
      get: {
        summary: "Failed (dead-lettered) jobs, newest first",
        query: jobListParams.omit({ status: true }),
        responses: { 200: { description: "A page of jobs", schema: pageOf(jobSchema) }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/jobs/{id}": {
      get: { summary: "Get a job", path: jobIdParams, responses: { 200: job("The job"), ...noSuch("job"), ...AUTHENTICATED_ERRORS } },
      delete: {
        summary: "Cancel a job; a running one is aborted",
        path: jobIdParams,
        responses: { 200: job("Cancelled"), ...noSuch("job"), 409: error("Already finished"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/jobs/{id}/cancel": {
      post: {
        summary: "Cancel a job (the same as DELETE /jobs/{id})",
        path: jobIdParams,
        responses: { 200: job("Cancelled"), ...noSuch("job"), 409: error("Already finished"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/jobs/{id}/events": {
      get: {
        summary: "A job's history, oldest first; with Accept: text/event-stream, the history then live updates until the job ends",
        path: jobIdParams,
        query: jobStreamParams.omit({ jobId: true }),
        responses: {
          200: { description: "Events, oldest first (or the event stream)", schema: items(jobEventSchema), eventStream: true },
          ...noSuch("job"),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    "/jobs/{id}/retry": {
      post: {
        summary: "Replay a failed or cancelled job with a fresh set of attempts",
        path: jobIdParams,
        responses: { 202: job("Queued again; Location points at the job"), ...noSuch("job"), 409: error("Job is not failed or cancelled"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/tasks": {
      get: {
        summary: "Known tasks",
        responses: {
          200: {
            description: "Tasks with their queue and retry policy",
            schema: items(
              z.object({
                name: z.string(),
                queue: z.string(),
                maxAttempts: z.number().int(),
                backoff: z.object({ type: z.enum(["exponential", "fixed"]), baseMs: z.number().int(), maxMs: z.number().int(), jitter: z.boolean() }),
              }),
            ),
          },
          401: AUTHENTICATED_ERRORS[401],
        },
      },
    },
    "/queues": {
      get: {
        summary: "For each queue: how many workers consume it, and the organization's unfinished jobs (broker depths, shared by all organizations, are on the operator's /metrics)",
        responses: {
          200: {
            description: "Queues",
            schema: items(
              z.object({
                queue: z.string(),
                consumers: z.number().int().nullable(),
                paused: z.boolean().describe("The organization paused its jobs on this queue (POST /queues/{name}/pause)"),
                jobs: z.object({ scheduled: z.number().int(), queued: z.number().int(), running: z.number().int(), retrying: z.number().int() }),
              }),
            ),
          },
          401: AUTHENTICATED_ERRORS[401],
        },
      },
    },
    "/queues/{name}/pause": {
      post: {
        summary: "Pause the organization's jobs on a queue: waiting jobs stay waiting (no attempt used), running ones finish",
        path: queueNameParams,
        responses: { 200: { description: "Paused", schema: queuePauseAnswer }, ...noSuch("queue"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/queues/{name}/resume": {
      post: {
        summary: "Resume the organization's jobs on a queue: its waiting jobs start again within about a second",
        path: queueNameParams,
        responses: { 200: { description: "Resumed", schema: queuePauseAnswer }, ...noSuch("queue"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/flow-control": {
      get: {
        summary: "The organization's flow control at a glance: paused queues, and each concurrency key's and throttle's use and waiting jobs (the dashboard's Flow control panel)",
        responses: { 200: { description: "Paused queues, concurrency keys and throttles", schema: flowControlSchema }, 401: AUTHENTICATED_ERRORS[401] },
      },
    },
    "/queues/{name}/purge": {
      post: {
        summary: "Cancel the organization's waiting jobs (scheduled, queued, retrying) on a queue; running jobs finish",
        path: queueNameParams,
        responses: {
          200: { description: "How many jobs were cancelled", schema: z.object({ queue: z.string(), cancelled: z.number().int() }) },
          ...noSuch("queue"),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    "/stats/queues": {
      get: {
        summary: "The organization's throughput (attempts started, jobs succeeded and failed) and enqueue→start latency per queue, in buckets over the last minutes",
        query: queueStatsParams,
        responses: { 200: { description: "Per queue and for all queues: totals over the window and every bucket", schema: queueStatsSchema }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/workers": {
      get: {
        summary: "Services that run tasks: their nodes, queues, prefetch and tasks",
        responses: { 200: { description: "Workers", schema: items(z.object({ service: z.string(), nodes: z.array(z.string()) }).passthrough()) }, 401: AUTHENTICATED_ERRORS[401] },
      },
    },
    "/stream-tokens": {
      post: {
        summary: "A short-lived token that opens event streams (`?token=`) for clients that cannot send headers, like EventSource",
        responses: {
          200: { description: "The token and when it expires", schema: z.object({ token: z.string(), expiresAt: z.string().datetime() }) },
          401: AUTHENTICATED_ERRORS[401],
        },
      },
    },
    "/webhooks/subscriptions": {
      post: {
        summary: "Subscribe a URL to job events; the answer holds the signing secret, once",
        body: subscriptionCreateParams,
        responses: { 201: { description: "Created; Location points at the subscription", schema: webhookSubscriptionSchema }, ...AUTHENTICATED_ERRORS },
      },
      get: { summary: "The organization's subscriptions", responses: { 200: { description: "Subscriptions", schema: items(webhookSubscriptionSchema) }, 401: AUTHENTICATED_ERRORS[401] } },
    },
    "/webhooks/subscriptions/{id}": {
      get: { summary: "Get a subscription", path: webhookIdParams, responses: { 200: { description: "The subscription", schema: webhookSubscriptionSchema }, ...noSuch("subscription"), ...AUTHENTICATED_ERRORS } },
      patch: {
        summary: "Edit a subscription",
        path: webhookIdParams,
        body: subscriptionUpdateParams,
        responses: { 200: { description: "The edited subscription", schema: webhookSubscriptionSchema }, ...noSuch("subscription"), ...AUTHENTICATED_ERRORS },
      },
      delete: { summary: "Delete a subscription", path: webhookIdParams, responses: { 200: deleted, ...noSuch("subscription"), ...AUTHENTICATED_ERRORS } },
    },
    "/webhooks/deliveries": {
      get: { summary: "Webhook deliveries, newest first", query: deliveryListParams, responses: { 200: { description: "Deliveries", schema: items(webhookDeliverySchema) }, ...AUTHENTICATED_ERRORS } },
    },
    "/webhooks/deliveries/{id}": {
      get: { summary: "Get a delivery", path: webhookIdParams, responses: { 200: { description: "The delivery", schema: webhookDeliverySchema }, ...noSuch("delivery"), ...AUTHENTICATED_ERRORS } },
    },
    "/webhooks/deliveries/{id}/replay": {
      post: {
        summary: "Send a finished delivery again, with the same delivery id",
        path: webhookIdParams,
        responses: { 200: { description: "The delivery, pending again", schema: webhookDeliverySchema }, ...noSuch("delivery"), 409: error("The delivery is still pending"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/webhooks/planning": {
      get: {
        summary: "How far webhook planning is behind the job history, and this organization's waiting and failed deliveries",
        responses: { 200: { description: "Planning status", schema: webhookPlanningSchema }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/webhooks/secret": {
      get: {
        summary: "The organization's secret that signs per-job callbackUrl deliveries",
        responses: { 200: { description: "The secret", schema: z.object({ secret: z.string() }) }, 401: AUTHENTICATED_ERRORS[401] },
      },
    },
    "/issues": {
      post: {
        summary: "Create an issue; its enrichment job and issue.created notification are enqueued",
        body: issueCreateParams,
        responses: { 201: { description: "Created; Location points at the issue", schema: issueSchema }, 413: error("Body larger than BODY_LIMIT"), ...AUTHENTICATED_ERRORS },
      },
      get: { summary: "List issues, newest first", query: issueListParams, responses: { 200: { description: "A page of issues", schema: pageOf(issueSchema) }, ...AUTHENTICATED_ERRORS } },
    },
    "/issues/{id}": {
      get: { summary: "Get an issue with its AI summary, tags and enrichment status", path: issueIdParams, responses: { 200: { description: "The issue", schema: issueSchema }, ...noSuch("issue"), ...AUTHENTICATED_ERRORS } },
      patch: {
        summary: "Edit an issue; a new title or body is enriched again and its results replace the old ones",
        path: issueIdParams,
        body: issueUpdateParams,
        responses: { 200: { description: "The edited issue", schema: issueSchema }, ...noSuch("issue"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/issues/{id}/enrich": {
      post: {
        summary: "Enrich the current version again",
        path: issueIdParams,
        responses: { 202: { description: "Enqueued; Location points at the job", schema: issueSchema }, ...noSuch("issue"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/schedules": {
      post: {
        summary: "Create a schedule: exactly one of cron, intervalMs or runAt",
        body: scheduleRequestSchema,
        responses: { 201: { description: "Created; Location points at the schedule", schema: scheduleSchema }, 409: error("A schedule with this name exists"), ...AUTHENTICATED_ERRORS },
      },
      get: { summary: "List schedules by name", query: scheduleListParams, responses: { 200: { description: "A page of schedules", schema: pageOf(scheduleSchema) }, ...AUTHENTICATED_ERRORS } },
    },
    "/schedules/{id}": {
      get: { summary: "Get a schedule", path: scheduleIdParams, responses: { 200: { description: "The schedule", schema: scheduleSchema }, ...noSuch("schedule"), ...AUTHENTICATED_ERRORS } },
      patch: {
        summary: "Edit a schedule; null clears queue, startAt, expiresAt or maxRuns; the scheduler follows at once",
        path: scheduleIdParams,
        body: schedulePatchSchema,
        responses: {
          200: { description: "The edited schedule", schema: scheduleSchema },
          ...noSuch("schedule"),
          409: error("A schedule with this name exists"),
          ...AUTHENTICATED_ERRORS,
        },
      },
      delete: { summary: "Delete a schedule and its runs (its jobs stay)", path: scheduleIdParams, responses: { 200: deleted, ...noSuch("schedule"), ...AUTHENTICATED_ERRORS } },
    },
    "/schedules/{id}/pause": {
      post: {
        summary: "Pause: nothing fires until resumed, and runs that fall in the pause are not made up",
        path: scheduleIdParams,
        responses: { 200: { description: "The paused schedule", schema: scheduleSchema }, ...noSuch("schedule"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/schedules/{id}/resume": {
      post: { summary: "Resume from now", path: scheduleIdParams, responses: { 200: { description: "The resumed schedule", schema: scheduleSchema }, ...noSuch("schedule"), ...AUTHENTICATED_ERRORS } },
    },
    "/schedules/{id}/run": {
      post: {
        summary: "Run now, whatever the schedule's state (a manual run, counted in totalRunCount)",
        path: scheduleIdParams,
        responses: {
          202: { description: "Enqueued; Location points at the job", schema: z.object({ run: scheduleRunSchema, job: jobSchema }) },
          ...noSuch("schedule"),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    "/schedules/{id}/runs": {
      get: {
        summary: "A schedule's runs, latest fire time first (nextCursor is the `before` of the next page)",
        path: scheduleIdParams,
        query: scheduleRunsParams.omit({ id: true }),
        responses: { 200: { description: "A page of runs", schema: pageOf(scheduleRunSchema) }, ...noSuch("schedule"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/ingestion/jobs": {
      post: {
        summary: "Start a data ingestion job (datasync.ingest) for a provider, its options and filters",
        body: ingestionRequestSchema(providerNames),
        responses: { 202: { description: "Accepted; the run with its job", schema: ingestionRunSchema.extend({ job: jobSchema }) }, ...AUTHENTICATED_ERRORS },
      },
      get: { summary: "List ingestion jobs, newest first", query: ingestionListParams, responses: { 200: { description: "A page of runs", schema: pageOf(ingestionRunSchema) }, ...AUTHENTICATED_ERRORS } },
    },
    "/ingestion/jobs/{id}": {
      get: {
        summary: "An ingestion job: counts, checkpoint, status and its job's status",
        path: ingestionIdParams,
        responses: { 200: { description: "The run", schema: ingestionRunSchema }, ...noSuch("ingestion job"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/ingestion/providers": {
      get: {
        summary: "Ingestion providers with the JSON schemas of their options and filters",
        responses: {
          200: { description: "Providers", schema: items(z.object({ name: z.string(), description: z.string().optional(), options: z.record(z.unknown()), filters: z.record(z.unknown()) })) },
          401: AUTHENTICATED_ERRORS[401],
        },
      },
    },
    "/ingestion/records": {
      get: {
        summary: "Ingested records, by source and external id",
        query: recordsParams,
        responses: { 200: { description: "A page of records", schema: pageOf(z.record(z.unknown())) }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/documents": {
      post: {
        summary: "Upload one document (multipart/form-data, field `file`); a documents.process job extracts, chunks and embeds it",
        upload: chunkOptionsSchema,
        responses: {
          202: { description: "Accepted; Location points at the document, job.statusUrl at its job", schema: documentSchema },
          413: error("File larger than UPLOAD_MAX_BYTES, or more than one file; QUOTA_EXCEEDED past UPLOAD_QUOTA_BYTES"),
          415: error("Not multipart/form-data, or an extension other than .pdf, .docx, .txt, .md"),
          507: error("INSUFFICIENT_STORAGE: the server's disk is full; nothing was kept"),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    "/documents/batch": {
      post: {
        summary: `Upload up to ${MAX_BATCH_FILES} documents in one multipart body (each part named \`file\`); answers per file`,
        upload: chunkOptionsSchema,
        responses: {
          202: { description: "Per file: queued (documentId, jobId, statusUrl) or rejected (reason)", schema: documentBatchSchema },
          413: error(`More than ${MAX_BATCH_FILES} files`),
          507: error("INSUFFICIENT_STORAGE: the server's disk is full; no file of the batch was kept"),
          ...AUTHENTICATED_ERRORS,
        },
      },
    },
    "/documents/search": {
      get: {
        summary: "The organization's chunks nearest to a query (cosine of embeddings), best first",
        query: searchParams,
        responses: { 200: { description: "Matches", schema: searchResultsSchema }, ...AUTHENTICATED_ERRORS },
      },
    },
    "/documents/{id}": {
      get: { summary: "A document's metadata, status, chunk count and job", path: documentIdParams, responses: { 200: { description: "The document", schema: documentSchema }, ...noSuch("document"), ...AUTHENTICATED_ERRORS } },
      delete: {
        summary: "Delete a document, its chunks and its file; a job still processing it is cancelled",
        path: documentIdParams,
        responses: { 200: { description: "Deleted", schema: z.object({ id: z.string().uuid(), deleted: z.literal(true) }).passthrough() }, ...noSuch("document"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/documents/{id}/chunks": {
      get: {
        summary: "A document's chunks in order",
        path: documentIdParams,
        query: chunksParams.omit({ id: true }),
        responses: { 200: { description: "A page of chunks", schema: pageOf(chunkSchema) }, ...noSuch("document"), ...AUTHENTICATED_ERRORS },
      },
    },
    "/openapi.json": {
      get: { summary: "This document", open: true, responses: { 200: { description: "OpenAPI 3.1" } } },
    },
    "/health": {
      get: { summary: "The process is up", root: true, responses: { 200: { description: "Up", schema: z.object({ status: z.literal("ok") }) } } },
    },
    "/ready": {
      get: {
        summary: "Postgres answers and RabbitMQ is connected, as seen from the jobs service",
        root: true,
        responses: { 200: { description: "Ready", schema: z.object({ status: z.literal("ready") }) }, 503: error("Not ready, or no jobs service runs") },
      },
    },
    "/metrics": {
      get: { summary: "Prometheus metrics of the gateway's process", root: true, responses: { 200: { description: "Prometheus text format" }, 404: error("METRICS_ENABLED=false") } },
    },
    "/dashboard": {
      get: { summary: "The dashboard page (it uses this API with an API key pasted in the browser)", root: true, responses: { 200: { description: "HTML" } } },
    },
    "/dashboard/dashboard.js": {
      get: { summary: "The dashboard's script", root: true, responses: { 200: { description: "JavaScript" } } },
    },
    "/dashboard/dashboard.css": {
      get: { summary: "The dashboard's style sheet", root: true, responses: { 200: { description: "CSS" } } },
    },
    "/dashboard/uplot.js": {
      get: { summary: "The dashboard's chart library (uPlot)", root: true, responses: { 200: { description: "JavaScript" } } },
    },
    "/dashboard/uplot.css": {
      get: { summary: "The chart library's style sheet", root: true, responses: { 200: { description: "CSS" } } },
    },
  };
}

type JsonObject = Record<string, unknown>;

/** A JSON schema without the given properties (path parameters, which the body does not carry). */
function withoutProperties(schema: JsonObject, names: string[]): JsonObject {
  if (names.length === 0 || typeof schema.properties !== "object" || schema.properties === null) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !names.includes(name)));
  const required = Array.isArray(schema.required) ? schema.required.filter((name: string) => !names.includes(name)) : undefined;
  return { ...schema, properties, ...(required && required.length > 0 ? { required } : { required: undefined }) };
}

function parametersOf(schema: z.AnyZodObject | undefined, location: "path" | "query"): JsonObject[] {
  if (!schema) return [];
  const shape = schema.shape as Record<string, z.ZodTypeAny>;
  return Object.entries(shape).map(([name, field]) => {
    // A parameter's optionality is its `required`; its schema is the value's.
    const { description, ...fieldSchema } = toJson(field instanceof z.ZodOptional ? field.unwrap() : field);
    return {
      name,
      in: location,
      required: location === "path" || !field.isOptional(),
      schema: fieldSchema,
      ...(typeof description === "string" ? { description } : {}),
    };
  });
}

function answerOf(answer: Answer): JsonObject {
  const content: JsonObject = {};
  if (answer.schema) content["application/json"] = { schema: toJson(answer.schema) };
  if (answer.eventStream) content["text/event-stream"] = { schema: { type: "string" } };
  return Object.keys(content).length > 0 ? { description: answer.description, content } : { description: answer.description };
}

function operationOf(operation: Operation): JsonObject {
  const pathNames = operation.path ? Object.keys(operation.path.shape) : [];
  const body = operation.body ? withoutProperties(toJson(operation.body), pathNames) : undefined;
  const form = operation.upload ? toJson(operation.upload) : undefined;
  const upload = form && {
    ...form,
    properties: { file: { type: "string", format: "binary", description: ".pdf, .docx, .txt or .md; the content must match the extension" }, ...(form.properties as JsonObject) },
  };
  return {
    summary: operation.summary,
    ...(operation.root || operation.open ? { security: [] } : {}),
    parameters: [...parametersOf(operation.path, "path"), ...parametersOf(operation.query, "query")],
    ...(body ? { requestBody: { required: true, content: { "application/json": { schema: body } } } } : {}),
    ...(upload ? { requestBody: { required: true, content: { "multipart/form-data": { schema: upload } } } } : {}),
    responses: Object.fromEntries(Object.entries(operation.responses).map(([status, answer]) => [status, answerOf(answer)])),
  };
}

function buildDocument() {
  const paths = Object.fromEntries(
    Object.entries(operations()).map(([path, byMethod]) => {
      const root = Object.values(byMethod).some((operation) => operation?.root);
      const entry: JsonObject = root ? { servers: [{ url: "/" }] } : {};
      for (const [method, operation] of Object.entries(byMethod)) if (operation) entry[method] = operationOf(operation);
      return [path, entry];
    }),
  );
  const schemas = Object.fromEntries(
    Object.entries(COMPONENTS).map(([name, schema]) => {
      // A component is spelled out in its own entry and referenced everywhere else.
      const { [name]: _itself, ...others } = COMPONENTS;
      return [name, jsonSchemaOf(schema, { references: others, refPath: REF_PATH })];
    }),
  );
  return {
    openapi: "3.1.0",
    info: { title: "Conveyor API", version: "1.0.0", description: "Background jobs: enqueue, inspect, cancel, replay, stream." },
    servers: [{ url: API_PREFIX }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key from `npm run apikey:create` (or the X-API-Key header)" } },
      schemas,
    },
    paths,
  };
}

let built: ReturnType<typeof buildDocument> | undefined;

/** The document, built on first use. */
export function openApiDocument(): ReturnType<typeof buildDocument> {
  built ??= buildDocument();
  return built;
}
