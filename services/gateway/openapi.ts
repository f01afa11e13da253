import { MAX_BULK_JOBS } from "../../shared/jobs/enqueue-request";
import { JOB_STATUSES } from "../../shared/db/jobs/job-record";

const json = (schema: object) => ({ "application/json": { schema } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const errorResponse = (description: string) => ({ description, content: json(ref("Error")) });
const idParameter = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
const commonErrors = {
  401: errorResponse("Missing or invalid API key"),
  422: errorResponse("Invalid parameters"),
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
          runAt: { type: ["string", "null"], format: "date-time" },
          createdAt: { type: "string", format: "date-time" },
          startedAt: { type: ["string", "null"], format: "date-time" },
          finishedAt: { type: ["string", "null"], format: "date-time" },
          deadLetteredAt: { type: ["string", "null"], format: "date-time" },
          statusUrl: { type: "string" },
        },
      },
      JobPage: {
        type: "object",
        properties: { items: { type: "array", items: ref("Job") }, nextCursor: { type: ["string", "null"] } },
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
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: { 200: { description: "A page of jobs", content: json(ref("JobPage")) }, ...commonErrors },
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
      get: { summary: "Failed (dead-lettered) jobs", responses: { 200: { description: "A page of jobs", content: json(ref("JobPage")) } } },
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
    "/tasks": { get: { summary: "Known tasks", responses: { 200: { description: "Tasks with queue and retry policy" } } } },
  },
};
