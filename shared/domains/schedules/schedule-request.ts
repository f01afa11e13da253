import { z } from "zod";
import { validationFailed } from "../../http/api-errors";
import { enqueueRequestSchema } from "../../engine/enqueue/enqueue-request";
import type { TaskDeclaration } from "../../engine/tasks/define-task";
import { checkJobTarget } from "../../engine/tasks/task-lookup";
import { cronFor, isKnownTimezone } from "./cron";
import { MISSED_RUN_POLICIES } from "../../db/schedules/schedule-timing";

const MAX_INTERVAL_MS = 366 * 24 * 3_600_000;
const isoDate = z.string().datetime({ offset: true, message: "must be an ISO 8601 date-time with an offset" });

// The job fields come from the enqueue request itself, so a schedule accepts exactly what a job does.
const jobFields = enqueueRequestSchema.innerType().shape;
const jobOptionsSchema = z
  .object({
    maxAttempts: jobFields.maxAttempts,
    softTimeLimitMs: jobFields.softTimeLimitMs,
    timeLimitMs: jobFields.timeLimitMs,
    callbackUrl: jobFields.callbackUrl,
  })
  .strict();

const scheduleFields = {
  name: z.string().trim().min(1).max(200),
  task: z.string().min(1).max(200),
  payload: z.unknown(),
  queue: jobFields.queue,
  priority: z.number().int().min(0).max(10),
  options: jobOptionsSchema,
  /** 5 fields, or 6 with seconds first; @hourly, @daily, … */
  cron: z.string().trim().min(1).max(200),
  timezone: z.string().min(1).max(100),
  intervalMs: z.number().int().min(1_000, "must be at least 1000 (one second)").max(MAX_INTERVAL_MS),
  runAt: isoDate,
  enabled: z.boolean(),
  startAt: isoDate,
  expiresAt: isoDate,
  maxRuns: z.number().int().min(1),
  missedRunPolicy: z.enum(MISSED_RUN_POLICIES),
};

const TIMING_KEYS = ["cron", "intervalMs", "runAt"] as const;

/** Exactly one way of timing, a cron expression that parses in its timezone and fires, a sane window. */
function checkTiming(input: z.infer<typeof scheduleShape>, ctx: z.RefinementCtx): void {
  const given = TIMING_KEYS.filter((key) => input[key] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({ code: "custom", path: [], message: "give exactly one of cron, intervalMs or runAt" });
  }
  if (!isKnownTimezone(input.timezone)) {
    ctx.addIssue({ code: "custom", path: ["timezone"], message: `unknown timezone "${input.timezone}" (use an IANA name like Europe/Berlin)` });
  } else if (input.cron !== undefined) {
    try {
      if (cronFor(input.cron, input.timezone).nextRun() === null) {
        ctx.addIssue({ code: "custom", path: ["cron"], message: `"${input.cron}" never fires` });
      }
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: `invalid cron expression: ${(error as Error).message}` });
    }
  }
  if (input.startAt && input.expiresAt && new Date(input.expiresAt) <= new Date(input.startAt)) {
    ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "must be after startAt" });
  }
}

const scheduleShape = z
  .object({
    ...scheduleFields,
    payload: scheduleFields.payload.default({}),
    queue: scheduleFields.queue,
    priority: scheduleFields.priority.default(0),
    options: scheduleFields.options.default({}),
    cron: scheduleFields.cron.optional(),
    timezone: scheduleFields.timezone.default("UTC"),
    intervalMs: scheduleFields.intervalMs.optional(),
    runAt: scheduleFields.runAt.optional(),
    enabled: scheduleFields.enabled.default(true),
    startAt: scheduleFields.startAt.optional(),
    expiresAt: scheduleFields.expiresAt.optional(),
    maxRuns: scheduleFields.maxRuns.optional(),
    missedRunPolicy: scheduleFields.missedRunPolicy.default("fire_once"),
  })
  .strict();

/** A complete schedule as a client creates it (POST), and as an edit must leave it. */
export const scheduleRequestSchema = scheduleShape.superRefine(checkTiming);
export type ScheduleRequest = z.infer<typeof scheduleRequestSchema>;
/** The same, before defaults: what an edit is merged into. */
export type ScheduleRequestInput = z.input<typeof scheduleRequestSchema>;

const clearable = <T extends z.ZodTypeAny>(schema: T) => schema.nullable().optional();

/**
 * An edit (PATCH): any field; null clears an optional one. Giving one of cron, intervalMs or runAt
 * switches the schedule to that kind.
 */
export const schedulePatchSchema = z
  .object({
    name: scheduleFields.name.optional(),
    task: scheduleFields.task.optional(),
    payload: scheduleFields.payload,
    queue: clearable(scheduleFields.queue),
    priority: scheduleFields.priority.optional(),
    options: scheduleFields.options.optional(),
    cron: scheduleFields.cron.optional(),
    timezone: scheduleFields.timezone.optional(),
    intervalMs: scheduleFields.intervalMs.optional(),
    runAt: scheduleFields.runAt.optional(),
    enabled: scheduleFields.enabled.optional(),
    startAt: clearable(scheduleFields.startAt),
    expiresAt: clearable(scheduleFields.expiresAt),
    maxRuns: clearable(scheduleFields.maxRuns),
    missedRunPolicy: scheduleFields.missedRunPolicy.optional(),
  })
  .strict();
export type SchedulePatch = z.infer<typeof schedulePatchSchema>;

/** The schedule after the edit, still to be validated as a whole with `scheduleRequestSchema`. */
export function applyPatch(current: ScheduleRequestInput, patch: SchedulePatch): ScheduleRequestInput {
  const merged: Record<string, unknown> = { ...current };
  if (TIMING_KEYS.some((key) => patch[key] !== undefined)) for (const key of TIMING_KEYS) delete merged[key];
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as ScheduleRequestInput;
}

/** Cron fires looked at for the shortest gap between two runs. */
const FIRES_CHECKED = 10;

/** Refuses (422) a schedule that would fire more often than every `minIntervalMs` (SCHEDULE_MIN_INTERVAL_MS). */
export function checkScheduleFrequency(request: ScheduleRequest, minIntervalMs: number): void {
  let shortest = request.intervalMs;
  if (request.cron !== undefined) {
    const fires = cronFor(request.cron, request.timezone).nextRuns(FIRES_CHECKED);
    for (let index = 1; index < fires.length; index += 1) {
      const gap = fires[index].getTime() - fires[index - 1].getTime();
      shortest = shortest === undefined ? gap : Math.min(shortest, gap);
    }
  }
  if (shortest !== undefined && shortest < minIntervalMs) {
    throw validationFailed("Invalid schedule", [
      { code: "custom", path: [request.cron !== undefined ? "cron" : "intervalMs"], message: `fires every ${shortest} ms; the shortest allowed is ${minIntervalMs} ms (SCHEDULE_MIN_INTERVAL_MS)` },
    ]);
  }
}

/** Checks the task, its payload and queue as a tenant's enqueue is checked: 422 when any is refused. */
export function checkScheduledTask(request: ScheduleRequest, catalog: ReadonlyMap<string, TaskDeclaration>): void {
  checkJobTarget(catalog, request, "tenant");
}
