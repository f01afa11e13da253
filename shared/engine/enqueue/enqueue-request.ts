import { z } from "zod";
import { outboundUrlSchema } from "../../http/outbound/outbound-url";

/** Postgres `integer` columns hold no more than this. */
const INT32_MAX = 2_147_483_647;
const noNul = (value: string) => !value.includes("\u0000");
const NO_NUL = "must not contain a NUL character (\\u0000)";

/** One job as a client asks for it (REST body, or `jobs.enqueue` params). */
export const enqueueRequestSchema = z
  .object({
    task: z.string().min(1).max(200),
    payload: z.unknown().default({}),
    queue: z.string().regex(/^[a-z0-9_-]{1,64}$/, "lower-case letters, digits, _ and - (at most 64)").optional(),
    priority: z.number().int().min(0).max(10).default(0),
    delayMs: z.number().int().min(0).max(365 * 24 * 3_600_000).optional(),
    runAt: z.string().datetime({ offset: true }).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    idempotencyKey: z.string().min(1).max(200).refine(noNul, NO_NUL).optional(),
    softTimeLimitMs: z.number().int().positive().max(INT32_MAX).optional(),
    timeLimitMs: z.number().int().positive().max(INT32_MAX).optional(),
    /** POSTed (signed) when the job finishes. */
    callbackUrl: outboundUrlSchema.optional(),
  })
  .strict()
  .refine((request) => !(request.delayMs !== undefined && request.runAt !== undefined), {
    message: "give delayMs or runAt, not both",
  });

export type EnqueueRequest = z.infer<typeof enqueueRequestSchema>;

export const MAX_BULK_JOBS = 1_000;

export const bulkEnqueueRequestSchema = z
  .object({ jobs: z.array(z.unknown()).min(1).max(MAX_BULK_JOBS) })
  .strict();
