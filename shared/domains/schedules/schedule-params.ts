import { z } from "zod";

/**
 * The query and path parameters of the schedules API (services/schedules.service.ts); bodies are in
 * schedule-request.ts. The OpenAPI document is generated from both.
 */

export const scheduleIdParams = z.object({ id: z.string().uuid("must be a schedule id (uuid)") });

export const scheduleListParams = z
  .object({
    task: z.string().max(200).optional(),
    enabled: z.enum(["true", "false"]).transform((value) => value === "true").or(z.boolean()).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(400).optional(),
  })
  .strict();

export const scheduleRunsParams = scheduleIdParams
  .extend({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: z.string().datetime({ offset: true }).optional(),
  })
  .strict();
