import { z } from "zod";
import { JOB_STATUSES } from "../db/jobs/job-record";

/**
 * The parameters that pick jobs, shared by the jobs list (`GET /jobs`, `/jobs/dead-letters`) and the
 * event streams (`GET /jobs/stream`, `/jobs/:id/events`); the OpenAPI document is generated from them.
 */

export const jobIdParams = z.object({ id: z.string().uuid("must be a job id (uuid)") });

/** `status` may be repeated (`?status=queued&status=running`). */
const jobFilterFields = {
  status: z
    .union([z.enum(JOB_STATUSES), z.array(z.enum(JOB_STATUSES))])
    .transform((value) => (Array.isArray(value) ? value : [value]))
    .optional(),
  task: z.string().max(200).optional(),
  queue: z.string().max(64).optional(),
};

export const jobListParams = z.object({
  ...jobFilterFields,
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
