/** A schedule's row in Postgres, the view of it that clients see, and its timing for the scheduler. */
import type { Knex } from "knex";
import type { MissedRunPolicy, ScheduleKind, ScheduleTiming } from "./schedule-timing";
import type { JobStatus } from "../jobs/job-record";

/** Per-job settings a schedule passes on to every job it fires. */
export interface ScheduledJobOptions {
  maxAttempts?: number;
  softTimeLimitMs?: number;
  timeLimitMs?: number;
  callbackUrl?: string;
}

export interface ScheduleRow {
  id: string;
  organization_id: string;
  name: string;
  task: string;
  payload: unknown;
  queue: string | null;
  priority: number;
  options: ScheduledJobOptions;
  kind: ScheduleKind;
  cron: string | null;
  timezone: string;
  /** bigint: node-pg hands it over as a string. */
  interval_ms: string | null;
  run_at: Date | null;
  enabled: boolean;
  start_at: Date | null;
  expires_at: Date | null;
  max_runs: number | null;
  total_run_count: number;
  last_run_at: Date | null;
  /** Null while paused, and once the schedule has nothing left to fire. */
  next_run_at: Date | null;
  missed_run_policy: MissedRunPolicy;
  created_at: Date;
  updated_at: Date;
}

/** Every column a client sets, as the repository writes it. */
export interface ScheduleFields {
  name: string;
  task: string;
  payload: unknown;
  queue: string | null;
  priority: number;
  options: ScheduledJobOptions;
  kind: ScheduleKind;
  cron: string | null;
  timezone: string;
  intervalMs: number | null;
  runAt: Date | null;
  enabled: boolean;
  startAt: Date | null;
  expiresAt: Date | null;
  maxRuns: number | null;
  missedRunPolicy: MissedRunPolicy;
  nextRunAt: Date | null;
}

/** active: will fire; paused: disabled by a client; finished: nothing left to fire (once, expired, maxRuns). */
export type ScheduleState = "active" | "paused" | "finished";

export interface PublicSchedule {
  id: string;
  organizationId: string;
  name: string;
  task: string;
  payload: unknown;
  queue: string | null;
  priority: number;
  options: ScheduledJobOptions;
  kind: ScheduleKind;
  cron: string | null;
  timezone: string;
  intervalMs: number | null;
  runAt: string | null;
  enabled: boolean;
  state: ScheduleState;
  startAt: string | null;
  expiresAt: string | null;
  maxRuns: number | null;
  missedRunPolicy: MissedRunPolicy;
  totalRunCount: number;
  lastRunAt: string | null;
  nextRunAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toPublicSchedule(row: ScheduleRow): PublicSchedule {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    task: row.task,
    payload: row.payload,
    queue: row.queue,
    priority: row.priority,
    options: row.options,
    kind: row.kind,
    cron: row.cron,
    timezone: row.timezone,
    intervalMs: row.interval_ms === null ? null : Number(row.interval_ms),
    runAt: iso(row.run_at),
    enabled: row.enabled,
    state: !row.enabled ? "paused" : row.next_run_at ? "active" : "finished",
    startAt: iso(row.start_at),
    expiresAt: iso(row.expires_at),
    maxRuns: row.max_runs,
    missedRunPolicy: row.missed_run_policy,
    totalRunCount: row.total_run_count,
    lastRunAt: iso(row.last_run_at),
    nextRunAt: iso(row.next_run_at),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The row's timing; the table's CHECK guarantees the kind's own column is set. */
export function timingOf(row: ScheduleRow): ScheduleTiming {
  const common = {
    startAt: row.start_at,
    expiresAt: row.expires_at,
    maxRuns: row.max_runs,
    missedRunPolicy: row.missed_run_policy,
  };
  switch (row.kind) {
    case "cron":
      return { ...common, kind: "cron", cron: row.cron as string, timezone: row.timezone };
    case "interval":
      return { ...common, kind: "interval", intervalMs: Number(row.interval_ms) };
    case "once":
      return { ...common, kind: "once", runAt: row.run_at as Date };
  }
}

export type RunTrigger = "schedule" | "manual";

export interface ScheduleRunRow {
  /** bigserial, as a string. */
  id: string;
  schedule_id: string;
  organization_id: string;
  fire_time: Date;
  trigger: RunTrigger;
  coalesced_runs: number;
  job_id: string | null;
  error: { type: string; message: string } | null;
  created_at: Date;
}

export interface PublicScheduleRun {
  id: string;
  scheduleId: string;
  fireTime: string;
  trigger: RunTrigger;
  coalescedRuns: number;
  jobId: string | null;
  jobStatus: JobStatus | null;
  error: { type: string; message: string } | null;
  createdAt: string;
}

export function toPublicRun(row: ScheduleRunRow & { job_status?: JobStatus | null }): PublicScheduleRun {
  return {
    id: String(row.id),
    scheduleId: row.schedule_id,
    fireTime: row.fire_time.toISOString(),
    trigger: row.trigger,
    coalescedRuns: row.coalesced_runs,
    jobId: row.job_id,
    jobStatus: row.job_status ?? null,
    error: row.error,
    createdAt: row.created_at.toISOString(),
  };
}

/**
 * A schedule's fields as SQL bindings, in the column order the insert and the update statements both
 * use: name, task, payload, queue, priority, options, kind, cron, timezone, interval_ms, run_at,
 * enabled, start_at, expires_at, max_runs, missed_run_policy, next_run_at.
 */
export function scheduleFieldBindings(fields: ScheduleFields): Knex.Value[] {
  return [
    fields.name,
    fields.task,
    JSON.stringify(fields.payload ?? null),
    fields.queue,
    fields.priority,
    JSON.stringify(fields.options),
    fields.kind,
    fields.cron,
    fields.timezone,
    fields.intervalMs,
    fields.runAt,
    fields.enabled,
    fields.startAt,
    fields.expiresAt,
    fields.maxRuns,
    fields.missedRunPolicy,
    fields.nextRunAt,
  ];
}
