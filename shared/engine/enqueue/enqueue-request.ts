import { z } from "zod";
import { outboundUrlSchema } from "../../http/outbound/outbound-url";

/** Postgres `integer` columns hold no more than this. */
const INT32_MAX = 2_147_483_647;
const noNul = (value: string) => !value.includes("\u0000");
const NO_NUL = "must not contain a NUL character (\\u0000)";

const flowKey = z.string().min(1).max(200).refine(noNul, NO_NUL);

/** One job as a client asks for it (REST body, or `jobs.enqueue` params). */
export const enqueueRequestSchema = z
  .object({
    task: z.string().min(1).max(200).describe("A public task's name, e.g. demo.echo"),
    payload: z.unknown().default({}).describe("The task's input, validated by the task's schema"),
    queue: z
      .string()
      .regex(/^[a-z0-9_-]{1,64}$/, "lower-case letters, digits, _ and - (at most 64)")
      .optional()
      .describe("Another queue some task declares, instead of the task's own"),
    priority: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(0)
      .describe("0–10, higher starts first among the queue's waiting jobs; one start in ten goes to the longest-waiting job"),
    delayMs: z.number().int().min(0).max(365 * 24 * 3_600_000).optional().describe("Start no sooner than this many milliseconds from now"),
    runAt: z.string().datetime({ offset: true }).optional().describe("Start no sooner than this instant (ISO 8601 with offset)"),
    maxAttempts: z.number().int().min(1).max(100).optional().describe("Attempts before the job fails (default: the task's)"),
    idempotencyKey: z
      .string()
      .min(1)
      .max(200)
      .refine(noNul, NO_NUL)
      .optional()
      .describe("A second enqueue with the same key (in this organization) answers the first job instead of creating one"),
    softTimeLimitMs: z.number().int().positive().max(INT32_MAX).optional().describe("The task's signal is aborted after this long"),
    timeLimitMs: z.number().int().positive().max(INT32_MAX).optional().describe("The attempt fails after this long"),
    callbackUrl: outboundUrlSchema.optional().describe("POSTed (signed) when the job finishes"),
    concurrency: z
      .object({ key: flowKey, limit: z.number().int().min(1).max(10_000) })
      .strict()
      .optional()
      .describe("At most `limit` jobs with this key (of this organization) run at once, across every worker; the smallest limit given wins"),
    throttle: z
      .object({ key: flowKey, limit: z.number().int().min(1).max(100_000), periodMs: z.number().int().min(1).max(24 * 3_600_000) })
      .strict()
      .optional()
      .describe("At most `limit` jobs with this key (of this organization) start per `periodMs`; the others wait without using an attempt"),
    debounce: z
      .object({ key: flowKey, periodMs: z.number().int().min(1).max(24 * 3_600_000) })
      .strict()
      .optional()
      .describe("A later job with this key, enqueued while this one still waits, replaces it (this one ends cancelled) and the wait of periodMs restarts"),
  })
  .strict()
  .superRefine((request, ctx) => {
    if (request.delayMs !== undefined && request.runAt !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "give delayMs or runAt, not both" });
    }
    if (request.debounce && (request.delayMs !== undefined || request.runAt !== undefined)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["debounce"], message: "debounce sets the job's start (periodMs after the last enqueue): give no delayMs or runAt with it" });
    }
  });

export type EnqueueRequest = z.infer<typeof enqueueRequestSchema>;

export const MAX_BULK_JOBS = 1_000;

export const bulkEnqueueRequestSchema = z
  .object({ jobs: z.array(z.unknown()).min(1).max(MAX_BULK_JOBS) })
  .strict();
