import { MAX_BULK_JOBS } from "../../shared/engine/enqueue/enqueue-request";
import { DOCUMENT_STATUSES } from "../../shared/db/documents/document-record";
import { JOB_STATUSES } from "../../shared/db/jobs/job-record";
import { DOCUMENT_TYPES } from "../../shared/domains/documents/document-types";
import { MAX_BATCH_FILES } from "./document-uploads";
import { MISSED_RUN_POLICIES, SCHEDULE_KINDS } from "../../shared/db/schedules/schedule-timing";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
const idParameter = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const dateTime = { type: "string", format: "date-time" };
const nullable = (type: string, extra: object = {}) => ({ type: [type, "null"], ...extra });
/** `limit` and `cursor` of a cursor-paged list, and the `{ items, nextCursor }` page it answers. */
const pageParameters = [
  { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
  { name: "cursor", in: "query", schema: { type: "string" }, description: "The previous page's nextCursor" },
];
const pageOf = (items: object) => json({ type: "object", properties: { items: { type: "array", items }, nextCursor: nullable("string") } });
const commonErrors = {
  401: errorResponse("Missing or invalid API key"),
  422: errorResponse("Invalid parameters"),
};

/** The multipart body of document uploads (batch: several `file` parts). */
const documentUpload = {
  required: true,
  content: {
    "multipart/form-data": {
      schema: {
        type: "object",
        properties: {
          file: { type: "string", format: "binary", description: ".pdf, .docx, .txt or .md; the content must match the extension" },
          chunkSize: { type: "integer", minimum: 100, maximum: 8000, default: 500 },
          overlap: { type: "integer", minimum: 0, default: 50, description: "At most half of chunkSize" },
        },
      },
    },
  },
};

/** Mirrors shared/schedules/schedule-request.ts: a schedule as created, and the fields an edit may give. */
const scheduleRequestProperties = {
  name: { type: "string", minLength: 1, maxLength: 200, description: "Unique in the organization" },
  task: { type: "string", example: "demo.echo" },
  payload: { description: "Validated against the task's own schema" },
  queue: { type: "string", pattern: "^[a-z0-9_-]{1,64}$" },
  priority: { type: "integer", minimum: 0, maximum: 10, default: 0 },
  options: {
    type: "object",
    additionalProperties: false,
    properties: {
      maxAttempts: { type: "integer", minimum: 1, maximum: 100 },
      softTimeLimitMs: { type: "integer", minimum: 1 },
      timeLimitMs: { type: "integer", minimum: 1 },
      callbackUrl: { type: "string", format: "uri" },
    },
  },
  cron: { type: "string", example: "0 9 * * 1-5", description: "5 fields, or 6 with seconds first; @daily etc." },
  timezone: { type: "string", default: "UTC", example: "Europe/Berlin" },
  intervalMs: { type: "integer", minimum: 1000 },
  runAt: { ...dateTime, description: "A one-off run" },
  enabled: { type: "boolean", default: true },
  startAt: dateTime,
  expiresAt: { ...dateTime, description: "Exclusive" },
  maxRuns: { type: "integer", minimum: 1 },
  missedRunPolicy: { type: "string", enum: [...MISSED_RUN_POLICIES], default: "fire_once" },
};

/** The OpenAPI 3.1 document served at /api/v1/openapi.json. Request schemas come from the zod schemas. */
export const openApiDocument = {
  openapi: "3.1.0",
  info: { title: "Conveyor API", version: "1.0.0", description: "Background jobs: enqueue, inspect, cancel, replay." },
  servers: [{ url: "/api/v1" }],
  security: [{ bearer: [] }],
  components: {
    securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "API key from `npm run apikey:create`" } },
    schemas: {
      // Mirrors shared/jobs/enqueue-request.ts (zod-to-json-schema's types do not compile against it).
      EnqueueRequest: {
        type: "object",
        required: ["task"],
        additionalProperties: false,
        properties: {
          task: { type: "string", example: "demo.echo" },
          payload: { description: "Validated against the task's own schema" },
          queue: { type: "string", pattern: "^[a-z0-9_-]{1,64}$" },
          priority: { type: "integer", minimum: 0, maximum: 10, default: 0 },
          delayMs: { type: "integer", minimum: 0 },
          runAt: { type: "string", format: "date-time" },
          maxAttempts: { type: "integer", minimum: 1, maximum: 100 },
          idempotencyKey: { type: "string", minLength: 1, maxLength: 200 },
          softTimeLimitMs: { type: "integer", minimum: 1 },
          timeLimitMs: { type: "integer", minimum: 1 },
        },
      },
      Job: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          task: { type: "string" },
          queue: { type: "string" },
          status: { type: "string", enum: [...JOB_STATUSES] },
          payload: {},
          result: {},
          error: { type: ["object", "null"], properties: { type: { type: "string" }, message: { type: "string" } } },
          progress: { type: ["object", "null"] },
          attempts: { type: "integer" },
          maxAttempts: { type: "integer" },
          priority: { type: "integer" },
          idempotencyKey: { type: ["string", "null"] },
          scheduleId: { type: ["string", "null"], format: "uuid", description: "The schedule that fired this job" },
          runAt: { type: ["string", "null"], format: "date-time" },
          createdAt: { type: "string", format: "date-time" },
          startedAt: { type: ["string", "null"], format: "date-time" },
          finishedAt: { type: ["string", "null"], format: "date-time" },
          deadLetteredAt: { type: ["string", "null"], format: "date-time" },
          statusUrl: { type: "string" },
        },
      },
      ScheduleRequest: {
        type: "object",
        required: ["name", "task"],
        additionalProperties: false,
        description: "Exactly one of cron, intervalMs or runAt",
        properties: scheduleRequestProperties,
      },
      SchedulePatch: {
        type: "object",
        additionalProperties: false,
        description: "Any fields; null clears queue, startAt, expiresAt or maxRuns; cron, intervalMs or runAt switches the kind",
        properties: scheduleRequestProperties,
      },
      Schedule: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          name: { type: "string" },
          task: { type: "string" },
          payload: {},
          queue: nullable("string"),
          priority: { type: "integer" },
          options: { type: "object" },
          kind: { type: "string", enum: [...SCHEDULE_KINDS] },
          cron: nullable("string"),
          timezone: { type: "string" },
          intervalMs: nullable("integer"),
          runAt: nullable("string", { format: "date-time" }),
          enabled: { type: "boolean" },
          state: { type: "string", enum: ["active", "paused", "finished"] },
          startAt: nullable("string", { format: "date-time" }),
          expiresAt: nullable("string", { format: "date-time" }),
          maxRuns: nullable("integer"),
          missedRunPolicy: { type: "string", enum: [...MISSED_RUN_POLICIES] },
          totalRunCount: { type: "integer" },
          lastRunAt: nullable("string", { format: "date-time" }),
          nextRunAt: nullable("string", { format: "date-time" }),
          createdAt: dateTime,
          updatedAt: dateTime,
        },
      },
      ScheduleRun: {
        type: "object",
        properties: {
          id: { type: "string" },
          scheduleId: { type: "string", format: "uuid" },
          fireTime: dateTime,
          trigger: { type: "string", enum: ["schedule", "manual"] },
          coalescedRuns: { type: "integer", description: "Missed fire times this catch-up run stands for" },
          jobId: nullable("string", { format: "uuid" }),
          jobStatus: nullable("string", { enum: [...JOB_STATUSES, null] }),
          error: { type: ["object", "null"], description: "Why the job was refused (task or payload no longer valid)" },
          createdAt: dateTime,
        },
      },
      // Mirrors services/enrichment.service.ts's request schemas.
      IssueRequest: {
        type: "object",
        required: ["title"],
        additionalProperties: false,
        properties: {
          title: { type: "string", minLength: 1, maxLength: 300, description: "Trimmed; must not be blank" },
          body: { type: "string", default: "", description: "Markdown, at most 64 KB (UTF-8)" },
          labels: { type: "array", maxItems: 20, items: { type: "string", minLength: 1, maxLength: 50 } },
          author: nullable("string", { maxLength: 200 }),
        },
      },
      IssuePatch: {
        type: "object",
        additionalProperties: false,
        minProperties: 1,
        description: "A new title or body makes a new version, enriched again; labels alone do not",
        properties: {
          title: { type: "string", minLength: 1, maxLength: 300 },
          body: { type: "string", description: "At most 64 KB (UTF-8)" },
          labels: { type: "array", maxItems: 20, items: { type: "string", minLength: 1, maxLength: 50 } },
        },
      },
      Issue: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          title: { type: "string" },
          body: { type: "string" },
          labels: { type: "array", items: { type: "string" } },
          author: nullable("string"),
          version: { type: "integer", description: "Counts edits of title and body" },
          aiSummary: nullable("string"),
          tags: { type: "array", items: { type: "string" } },
          enrichment: {
            type: "object",
            properties: {
              status: nullable("string", { enum: [...JOB_STATUSES, null], description: "The latest enrichment job's status" }),
              jobId: nullable("string", { format: "uuid" }),
              statusUrl: nullable("string"),
              enricher: nullable("string", { example: "offline" }),
              enrichedVersion: nullable("integer", { description: "The version aiSummary and tags were computed for" }),
              enrichedAt: nullable("string", { format: "date-time" }),
            },
          },
          createdAt: dateTime,
          updatedAt: dateTime,
        },
      },
      Document: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          filename: { type: "string", description: "The client's file name, sanitised (last path segment, no control characters)" },
          contentType: { type: "string", enum: Object.values(DOCUMENT_TYPES) },
          sizeBytes: { type: "integer" },
          chunkSize: { type: "integer" },
          overlap: { type: "integer" },
          status: { type: "string", enum: [...DOCUMENT_STATUSES] },
          error: nullable("string"),
          chunkCount: { type: "integer" },
          embedder: nullable("string", { example: "hashed-tf-512" }),
          job: {
            type: ["object", "null"],
            properties: { id: { type: "string", format: "uuid" }, status: nullable("string", { enum: [...JOB_STATUSES, null] }), statusUrl: { type: "string" } },
          },
          createdAt: dateTime,
          updatedAt: dateTime,
        },
      },
      IngestionRequest: {
        type: "object",
        required: ["provider"],
        additionalProperties: false,
        properties: {
          provider: { type: "string", enum: ["http", "file"] },
          options: { type: "object", description: "The provider's options (GET /ingestion/providers has their schema)" },
          filters: { type: "object", description: "equals, ranges, dateField with since/until, limit (see docs/ingestion.md)" },
        },
      },
      IngestionRun: {
        type: "object",
        properties: {
          id: { type: "string", format: "uuid" },
          provider: { type: "string" },
          source: { type: "string", description: "Records are unique per (organization, source, external id)" },
          filters: { type: "object" },
          options: { type: "object" },
          status: { type: "string", enum: ["running", "success", "failed"] },
          records: {
            type: "object",
            properties: { read: { type: "integer" }, written: { type: "integer" }, skipped: { type: "integer" }, failed: { type: "integer" } },
          },
          total: nullable("integer"),
          checkpoint: { type: ["object", "null"], description: "Where a retried attempt resumes" },
          error: nullable("string"),
          jobId: nullable("string", { format: "uuid" }),
          jobStatus: nullable("string", { enum: [...JOB_STATUSES, null] }),
          statusUrl: nullable("string"),
          createdAt: dateTime,
          updatedAt: dateTime,
        },
      },
      Error: {
        type: "object",
        properties: {
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string" }, message: { type: "string" }, details: {} },
          },
        },
      },
    },
  },
  paths: {
    "/jobs": {
      post: {
        summary: "Enqueue a job",
        requestBody: { required: true, content: json(ref("EnqueueRequest")) },
        responses: {
          202: { description: "Accepted; Location points at the job", content: json(ref("Job")) },
          200: { description: "A job with this idempotency key already exists", content: json(ref("Job")) },
          413: errorResponse("Body too large"),
          ...commonErrors,
        },
      },
      get: {
        summary: "List jobs, newest first",
        parameters: [
          { name: "status", in: "query", schema: { type: "string", enum: [...JOB_STATUSES] } },
          { name: "task", in: "query", schema: { type: "string" } },
          { name: "queue", in: "query", schema: { type: "string" } },
          { name: "createdAfter", in: "query", schema: { type: "string", format: "date-time" } },
          { name: "createdBefore", in: "query", schema: { type: "string", format: "date-time" } },
          ...pageParameters,
        ],
        responses: { 200: { description: "A page of jobs", content: pageOf(ref("Job")) }, ...commonErrors },
      },
    },
    "/jobs/bulk": {
      post: {
        summary: `Enqueue up to ${MAX_BULK_JOBS} jobs in one request`,
        requestBody: {
          required: true,
          content: json({ type: "object", properties: { jobs: { type: "array", items: ref("EnqueueRequest") } } }),
        },
        responses: { 202: { description: "Accepted" }, ...commonErrors },
      },
    },
    "/jobs/dead-letters": {
      get: { summary: "Failed (dead-lettered) jobs", responses: { 200: { description: "A page of jobs", content: pageOf(ref("Job")) } } },
    },
    "/jobs/{id}": {
      get: {
        summary: "Get a job",
        parameters: [idParameter],
        responses: { 200: { description: "The job", content: json(ref("Job")) }, 404: errorResponse("No such job"), ...commonErrors },
      },
      delete: {
        summary: "Cancel a job",
        parameters: [idParameter],
        responses: { 200: { description: "Cancelled", content: json(ref("Job")) }, 404: errorResponse("No such job"), 409: errorResponse("Already finished") },
      },
    },
    "/jobs/{id}/events": {
      get: { summary: "A job's history", parameters: [idParameter], responses: { 200: { description: "Events, oldest first" } } },
    },
    "/jobs/{id}/retry": {
      post: {
        summary: "Replay a failed or cancelled job",
        parameters: [idParameter],
        responses: { 202: { description: "Queued again", content: json(ref("Job")) }, 409: errorResponse("Job is not failed or cancelled") },
      },
    },
    "/schedules": {
      post: {
        summary: "Create a schedule",
        requestBody: { required: true, content: json(ref("ScheduleRequest")) },
        responses: {
          201: { description: "Created; Location points at the schedule", content: json(ref("Schedule")) },
          409: errorResponse("A schedule with this name exists"),
          ...commonErrors,
        },
      },
      get: {
        summary: "List schedules by name",
        parameters: [
          { name: "task", in: "query", schema: { type: "string" } },
          { name: "enabled", in: "query", schema: { type: "boolean" } },
          ...pageParameters,
        ],
        responses: {
          200: {
            description: "A page of schedules",
            content: pageOf(ref("Schedule")),
          },
          ...commonErrors,
        },
      },
    },
    "/schedules/{id}": {
      get: {
        summary: "Get a schedule",
        parameters: [idParameter],
        responses: { 200: { description: "The schedule", content: json(ref("Schedule")) }, 404: errorResponse("No such schedule"), ...commonErrors },
      },
      patch: {
        summary: "Edit a schedule; the scheduler follows at once",
        parameters: [idParameter],
        requestBody: { required: true, content: json(ref("SchedulePatch")) },
        responses: {
          200: { description: "The edited schedule", content: json(ref("Schedule")) },
          404: errorResponse("No such schedule"),
          409: errorResponse("A schedule with this name exists"),
          ...commonErrors,
        },
      },
      delete: {
        summary: "Delete a schedule and its runs (its jobs stay)",
        parameters: [idParameter],
        responses: { 200: { description: "Deleted" }, 404: errorResponse("No such schedule"), ...commonErrors },
      },
    },
    "/schedules/{id}/pause": {
      post: {
        summary: "Pause: nothing fires until resumed, and runs that fall in the pause are not made up",
        parameters: [idParameter],
        responses: { 200: { description: "The paused schedule", content: json(ref("Schedule")) }, 404: errorResponse("No such schedule") },
      },
    },
    "/schedules/{id}/resume": {
      post: {
        summary: "Resume from now",
        parameters: [idParameter],
        responses: { 200: { description: "The resumed schedule", content: json(ref("Schedule")) }, 404: errorResponse("No such schedule") },
      },
    },
    "/schedules/{id}/run": {
      post: {
        summary: "Run now, whatever the schedule's state (a manual run, counted in totalRunCount)",
        parameters: [idParameter],
        responses: {
          202: {
            description: "Enqueued; Location points at the job",
            content: json({ type: "object", properties: { run: ref("ScheduleRun"), job: ref("Job") } }),
          },
          404: errorResponse("No such schedule"),
          ...commonErrors,
        },
      },
    },
    "/schedules/{id}/runs": {
      get: {
        summary: "A schedule's runs, latest fire time first",
        parameters: [
          idParameter,
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
          { name: "before", in: "query", schema: dateTime, description: "The previous page's nextCursor" },
        ],
        responses: {
          200: {
            description: "A page of runs",
            content: pageOf(ref("ScheduleRun")),
          },
          404: errorResponse("No such schedule"),
          ...commonErrors,
        },
      },
    },
    "/issues": {
      post: {
        summary: "Create an issue; its enrichment job and issue.created notification are enqueued",
        requestBody: { required: true, content: json(ref("IssueRequest")) },
        responses: {
          201: { description: "Created; Location points at the issue", content: json(ref("Issue")) },
          413: errorResponse("Body too large (BODY_LIMIT)"),
          ...commonErrors,
        },
      },
      get: {
        summary: "List issues, newest first",
        parameters: [
          { name: "tag", in: "query", schema: { type: "string" }, description: "Repeat for issues with every tag" },
          { name: "label", in: "query", schema: { type: "string" }, description: "Repeat for issues with every label" },
          { name: "enriched", in: "query", schema: { type: "boolean" }, description: "Whether the current version has its summary and tags" },
          { name: "q", in: "query", schema: { type: "string", maxLength: 300 }, description: "Case-insensitive text in the title" },
          ...pageParameters,
        ],
        responses: {
          200: {
            description: "A page of issues",
            content: pageOf(ref("Issue")),
          },
          ...commonErrors,
        },
      },
    },
    "/issues/{id}": {
      get: {
        summary: "Get an issue with its AI summary, tags and enrichment status",
        parameters: [idParameter],
        responses: { 200: { description: "The issue", content: json(ref("Issue")) }, 404: errorResponse("No such issue"), ...commonErrors },
      },
      patch: {
        summary: "Edit an issue; a new title or body is enriched again and its results replace the old ones",
        parameters: [idParameter],
        requestBody: { required: true, content: json(ref("IssuePatch")) },
        responses: { 200: { description: "The edited issue", content: json(ref("Issue")) }, 404: errorResponse("No such issue"), ...commonErrors },
      },
    },
    "/issues/{id}/enrich": {
      post: {
        summary: "Enrich the current version again",
        parameters: [idParameter],
        responses: {
          202: { description: "Enqueued; Location points at the job", content: json(ref("Issue")) },
          404: errorResponse("No such issue"),
          ...commonErrors,
        },
      },
    },
    "/documents": {
      post: {
        summary: "Upload one document (multipart/form-data, field `file`); a documents.process job extracts, chunks and embeds it",
        requestBody: documentUpload,
        responses: {
          202: { description: "Accepted; Location points at the document, job.statusUrl at its job", content: json(ref("Document")) },
          413: errorResponse("File larger than UPLOAD_MAX_BYTES, or more than one file"),
          415: errorResponse("Not multipart/form-data, or an extension other than .pdf, .docx, .txt, .md"),
          ...commonErrors,
        },
      },
    },
    "/documents/batch": {
      post: {
        summary: `Upload up to ${MAX_BATCH_FILES} documents in one multipart body (each part named \`file\`); answers per file`,
        requestBody: documentUpload,
        responses: {
          202: {
            description: "Per file: queued (documentId, jobId, statusUrl) or rejected (reason)",
            content: json({
              type: "object",
              properties: {
                items: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      filename: { type: "string" },
                      status: { type: "string", enum: ["queued", "rejected"] },
                      documentId: { type: "string", format: "uuid" },
                      jobId: { type: "string", format: "uuid" },
                      statusUrl: { type: "string" },
                      reason: { type: "string" },
                    },
                  },
                },
              },
            }),
          },
          413: errorResponse(`More than ${MAX_BATCH_FILES} files`),
          ...commonErrors,
        },
      },
    },
    "/documents/search": {
      get: {
        summary: "The organization's chunks nearest to a query (cosine of embeddings), best first",
        parameters: [
          { name: "q", in: "query", required: true, schema: { type: "string", minLength: 1, maxLength: 2000 } },
          { name: "k", in: "query", schema: { type: "integer", minimum: 1, maximum: 50, default: 5 } },
        ],
        responses: {
          200: {
            description: "Matches",
            content: json({
              type: "object",
              properties: {
                items: {
                  type: "array",
                  items: {
                    type: "object",
                    properties: {
                      documentId: { type: "string", format: "uuid" },
                      filename: { type: "string" },
                      ordinal: { type: "integer" },
                      content: { type: "string" },
                      score: { type: "number", description: "Cosine similarity, -1 to 1" },
                    },
                  },
                },
              },
            }),
          },
          ...commonErrors,
        },
      },
    },
    "/documents/{id}": {
      get: {
        summary: "A document's metadata, status, chunk count and job",
        parameters: [idParameter],
        responses: { 200: { description: "The document", content: json(ref("Document")) }, 404: errorResponse("No such document"), ...commonErrors },
      },
      delete: {
        summary: "Delete a document, its chunks and its file; a job still processing it is cancelled",
        parameters: [idParameter],
        responses: { 200: { description: "Deleted" }, 404: errorResponse("No such document"), ...commonErrors },
      },
    },
    "/documents/{id}/chunks": {
      get: {
        summary: "A document's chunks in order",
        parameters: [
          idParameter,
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 100 } },
          { name: "cursor", in: "query", schema: { type: "string" }, description: "The previous page's nextCursor" },
        ],
        responses: {
          200: {
            description: "A page of chunks",
            content: pageOf({ type: "object", properties: { ordinal: { type: "integer" }, content: { type: "string" } } }),
          },
          404: errorResponse("No such document"),
          ...commonErrors,
        },
      },
    },
    "/ingestion/jobs": {
      post: {
        summary: "Start a data ingestion job (datasync.ingest) for a provider, its options and filters",
        requestBody: { required: true, content: json(ref("IngestionRequest")) },
        responses: {
          202: { description: "Accepted; the run with its job", content: json({ allOf: [ref("IngestionRun"), { type: "object", properties: { job: ref("Job") } }] }) },
          ...commonErrors,
        },
      },
      get: {
        summary: "List ingestion jobs, newest first",
        parameters: pageParameters,
        responses: { 200: { description: "A page of runs", content: pageOf(ref("IngestionRun")) }, ...commonErrors },
      },
    },
    "/ingestion/jobs/{id}": {
      get: {
        summary: "An ingestion job: counts, checkpoint, status and its job's status",
        parameters: [idParameter],
        responses: { 200: { description: "The run", content: json(ref("IngestionRun")) }, 404: errorResponse("No such ingestion job"), ...commonErrors },
      },
    },
    "/ingestion/providers": {
      get: { summary: "Ingestion providers with the JSON schemas of their options and filters", responses: { 200: { description: "Providers" } } },
    },
    "/ingestion/records": {
      get: {
        summary: "Ingested records, by source and external id",
        parameters: [
          { name: "source", in: "query", schema: { type: "string" } },
          { name: "runId", in: "query", schema: { type: "string", format: "uuid" }, description: "Records last written by this run" },
          ...pageParameters,
        ],
        responses: { 200: { description: "A page of records", content: pageOf({ type: "object" }) }, ...commonErrors },
      },
    },
    "/tasks": { get: { summary: "Known tasks", responses: { 200: { description: "Tasks with queue and retry policy" } } } },
  },
};
