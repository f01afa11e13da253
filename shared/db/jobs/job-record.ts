/** A job's row in Postgres and the view of it that clients and events see. */

export const JOB_STATUSES = [
  "scheduled",
  "queued",
  "running",
  "retrying",
  "succeeded",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const TERMINAL_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

export interface JobProgress {
  percent: number;
  step?: string;
  message?: string;
}

export interface JobError {
  type: string;
  message: string;
  stack?: string;
  retryable?: boolean;
}

export interface JobRow {
  id: string;
  organization_id: string;
  task: string;
  queue: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  max_attempts: number;
  /** Fencing token: how many times the job was claimed; never reset. */
  claims: number;
  /** Attempts cut short by a shutdown or a lost worker, re-run without using up `max_attempts`. */
  interruptions: number;
  priority: number;
  progress: JobProgress | null;
  result: unknown;
  error: JobError | null;
  idempotency_key: string | null;
  run_at: Date | null;
  soft_time_limit_ms: number | null;
  time_limit_ms: number | null;
  callback_url: string | null;
  schedule_id: string | null;
  lease_expires_at: Date | null;
  /** The node that runs the current attempt, or ran the last one. */
  worker: string | null;
  concurrency_key: string | null;
  concurrency_limit: number | null;
  debounce_key: string | null;
  throttle_key: string | null;
  throttle_limit: number | null;
  throttle_period_ms: number | null;
  published_at: Date | null;
  dead_lettered_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  updated_at: Date;
}

export interface PublicJob {
  id: string;
  organizationId: string;
  task: string;
  queue: string;
  payload: unknown;
  status: JobStatus;
  attempts: number;
  maxAttempts: number;
  /** Attempts cut short by a shutdown or a lost worker; they do not count towards maxAttempts. */
  interruptions: number;
  /** The worker node that runs the current attempt, or ran the last one. */
  worker: string | null;
  priority: number;
  progress: JobProgress | null;
  result: unknown;
  error: Omit<JobError, "stack"> | null;
  idempotencyKey: string | null;
  callbackUrl: string | null;
  /** The schedule that fired this job, if any. */
  scheduleId: string | null;
  runAt: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  deadLetteredAt: string | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** The client-facing shape: camelCase, ISO dates, and never a stack trace. */
export function toPublicJob(row: JobRow): PublicJob {
  return {
    id: row.id,
    organizationId: row.organization_id,
    task: row.task,
    queue: row.queue,
    payload: row.payload,
    status: row.status,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    interruptions: row.interruptions,
    worker: row.worker,
    priority: row.priority,
    progress: row.progress,
    result: row.result,
    error: row.error ? { type: row.error.type, message: row.error.message } : null,
    idempotencyKey: row.idempotency_key,
    callbackUrl: row.callback_url,
    scheduleId: row.schedule_id,
    runAt: iso(row.run_at),
    createdAt: row.created_at.toISOString(),
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    updatedAt: row.updated_at.toISOString(),
    deadLetteredAt: iso(row.dead_lettered_at),
  };
}
