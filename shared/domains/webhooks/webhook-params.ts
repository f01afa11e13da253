import { z } from "zod";
import { JOB_STATUSES } from "../../db/jobs/job-record";
import { outboundUrlSchema } from "../../http/outbound/outbound-url";

/** The parameters of the webhooks API (services/webhooks.service.ts); the OpenAPI document is generated from them. */

/**
 * What a job_events row can be: a transition to a status, progress, an attempt interrupted by a
 * shutdown (back to queued), or a stale attempt's outcome that was refused (decision 19).
 */
const EVENT_TYPES = [...JOB_STATUSES, "progress", "interrupted", "outcome_refused"] as const;

const subscriptionFields = z.object({
  url: outboundUrlSchema,
  eventTypes: z.array(z.enum(EVENT_TYPES)).min(1).default(["succeeded", "failed"]),
  task: z.string().max(200).nullable().default(null),
  active: z.boolean().default(true),
});
export const subscriptionCreateParams = subscriptionFields.strict();
export const subscriptionUpdateParams = subscriptionFields.partial().extend({ id: z.string().uuid() }).strict();
export const webhookIdParams = z.object({ id: z.string().uuid() });
export const deliveryListParams = z.object({
  jobId: z.string().uuid().optional(),
  subscriptionId: z.string().uuid().optional(),
  status: z.enum(["pending", "succeeded", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
