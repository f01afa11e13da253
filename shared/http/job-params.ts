import { z } from "zod";
import { JOB_STATUSES } from "../db/jobs/job-record";
import { unstorableJsonReason } from "../lib/storable-json";

/**
 * The parameters that pick jobs, shared by the jobs list (`GET /jobs`, `/jobs/dead-letters`) and the
 * event streams (`GET /jobs/stream`, `/jobs/:id/events`); the OpenAPI document is generated from them.
 */

export const jobIdParams = z.object({ id: z.string().uuid("must be a job id (uuid)") });

/** A queue in a path (`/queues/:name/...`); unknown names are answered 404 by the action. */
export const queueNameParams = z.object({ name: z.string().max(64) });

/** `status` may be repeated (`?status=queued&status=running`). */
const jobFilterFields = {
  status: z
    .union([z.enum(JOB_STATUSES), z.array(z.enum(JOB_STATUSES))])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .optional(),
  task: z.string().max(200).optional(),
  queue: z.string().max(64).optional(),
};

/** Longest `payload` search, as JSON text: enough to name a few fields, no more. */
export const MAX_PAYLOAD_SEARCH_CHARS = 2_000;

const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * `?payload={"customerId":42}`: jobs whose payload contains this JSON object (jsonb `@>`). An empty
 * object would match every job, by a scan of the whole index, so it is refused like anything that is
 * not an object or that Postgres could not compare (a NUL character, deep nesting).
 */
const payloadSearch = z
  .string()
  .max(MAX_PAYLOAD_SEARCH_CHARS)
  .transform((text, ctx) => {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    const problem = !isJsonObject(value) || Object.keys(value).length === 0 ? 'must be a non-empty JSON object, like {"text":"hi"}' : unstorableJsonReason(value);
    if (problem) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      return z.NEVER;
    }
    return value as Record<string, unknown>;
  })
  .describe('A JSON object the payload must contain (jsonb containment), like {"customerId":42}');

export const jobListParams = z.object({
  ...jobFilterFields,
  id: z.string().uuid("must be a job id (uuid)").optional(),
  scheduleId: z.string().uuid("must be a schedule id (uuid)").describe("Jobs this schedule fired").optional(),
  payload: payloadSearch.optional(),
  createdAfter: z.string().datetime({ offset: true }).optional(),
  createdBefore: z.string().datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** A job_events id (bigint) as text: what Last-Event-ID, `lastEventId` and `afterId` carry. */
export const EVENT_ID = /^\d{1,19}$/;

export const jobStreamParams = z.object({
  jobId: z.string().uuid().optional(),
  ...jobFilterFields,
  lastEventId: z.string().regex(EVENT_ID).optional().describe("Instead of the Last-Event-ID header: replay what came after this event"),
  token: z.string().max(500).optional().describe("A stream token from POST /stream-tokens, for EventSource clients that cannot send headers (never an API key)"),
});
