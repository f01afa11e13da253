import type { ScheduleFields, ScheduleRow } from "../../db/schedules/schedule-record";
import { firstFireTime, ScheduleProgress } from "./fire-times";
import type { ScheduleRequest, ScheduleRequestInput } from "./schedule-request";
import type { ScheduleTiming } from "../../db/schedules/schedule-timing";

const dateOrNull = (value: string | undefined) => (value === undefined ? null : new Date(value));

/** The timing a validated request describes (it has exactly one of cron, intervalMs, runAt). */
function timingOfRequest(request: ScheduleRequest): ScheduleTiming {
  const common = {
    startAt: dateOrNull(request.startAt),
    expiresAt: dateOrNull(request.expiresAt),
    maxRuns: request.maxRuns ?? null,
    missedRunPolicy: request.missedRunPolicy,
  };
  if (request.cron !== undefined) return { ...common, kind: "cron", cron: request.cron, timezone: request.timezone };
  if (request.intervalMs !== undefined) return { ...common, kind: "interval", intervalMs: request.intervalMs };
  return { ...common, kind: "once", runAt: new Date(request.runAt as string) };
}

/**
 * The columns to write for a validated request. The next fire time is computed afresh (see
 * firstFireTime) when the schedule is enabled, and kept as it was when `keepNextRunAt` is given
 * (an edit that did not touch the timing).
 */
export function scheduleFields(
  request: ScheduleRequest,
  now: Date,
  progress: ScheduleProgress,
  keepNextRunAt?: Date | null,
): ScheduleFields {
  const timing = timingOfRequest(request);
  const nextRunAt = !request.enabled ? null : keepNextRunAt !== undefined ? keepNextRunAt : firstFireTime(timing, now, progress);
  return {
    name: request.name,
    task: request.task,
    payload: request.payload,
    queue: request.queue ?? null,
    priority: request.priority,
    options: request.options,
    kind: timing.kind,
    cron: timing.kind === "cron" ? timing.cron : null,
    timezone: request.timezone,
    intervalMs: timing.kind === "interval" ? timing.intervalMs : null,
    runAt: timing.kind === "once" ? timing.runAt : null,
    enabled: request.enabled,
    startAt: timing.startAt,
    expiresAt: timing.expiresAt,
    maxRuns: timing.maxRuns,
    missedRunPolicy: timing.missedRunPolicy,
    nextRunAt,
  };
}

const isoOrUndefined = (date: Date | null) => (date ? date.toISOString() : undefined);

/** A stored schedule as the request that would create it: what an edit is applied to. */
export function requestOf(row: ScheduleRow): ScheduleRequestInput {
  return {
    name: row.name,
    task: row.task,
    payload: row.payload,
    queue: row.queue ?? undefined,
    priority: row.priority,
    options: row.options,
    cron: row.cron ?? undefined,
    timezone: row.timezone,
    intervalMs: row.interval_ms === null ? undefined : Number(row.interval_ms),
    runAt: isoOrUndefined(row.run_at),
    enabled: row.enabled,
    startAt: isoOrUndefined(row.start_at),
    expiresAt: isoOrUndefined(row.expires_at),
    maxRuns: row.max_runs ?? undefined,
    missedRunPolicy: row.missed_run_policy,
  };
}
