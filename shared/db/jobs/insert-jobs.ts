import type { Knex } from "knex";
import type { JobRow, JobStatus } from "./job-record";
import { pgArray } from "../pg-array";
import { withEventsAndNotify } from "./record-events";
import { PreparedStatement } from "../prepared-statement";
import { timeOrderedId } from "../../lib/time-ordered-id";

export interface NewJob {
  id: string;
  task: string;
  queue: string;
  payload: unknown;
  maxAttempts: number;
  priority: number;
  idempotencyKey: string | null;
  runAt: Date | null;
  softTimeLimitMs: number | null;
  timeLimitMs: number | null;
  callbackUrl: string | null;
  /** The schedule that fired this job; absent for any other job. */
  scheduleId?: string | null;
  /** Flow control (scoped keys: see JobEnqueuer.prepare); null for a job without. */
  concurrencyKey: string | null;
  concurrencyLimit: number | null;
  debounceKey: string | null;
  throttleKey: string | null;
  throttleLimit: number | null;
  throttlePeriodMs: number | null;
}

/** A job of `task` with every option at its default (no key, no limits, max attempts 3): for tools and tests that write jobs directly. */
export function plainJob(task: string, payload: unknown, queue = "default"): NewJob {
  return {
    id: timeOrderedId(),
    task,
    queue,
    payload,
    maxAttempts: 3,
    priority: 0,
    idempotencyKey: null,
    runAt: null,
    softTimeLimitMs: null,
    timeLimitMs: null,
    callbackUrl: null,
    concurrencyKey: null,
    concurrencyLimit: null,
    debounceKey: null,
    throttleKey: null,
    throttleLimit: null,
    throttlePeriodMs: null,
  };
}

export interface InsertedJobs {
  /** Rows this call created, in no particular order. */
  created: JobRow[];
  /** Rows that already existed under the same idempotency key, keyed by that key. */
  existing: Map<string, JobRow>;
}

const INSERT_JOBS = new PreparedStatement(
  "conveyor_insert_jobs",
  withEventsAndNotify(
  `input AS (
     SELECT ?::uuid AS organization_id, * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::jsonb[], ?::int[], ?::int[],
                          ?::text[], ?::timestamptz[], ?::int[], ?::int[], ?::text[], ?::uuid[], ?::text[], ?::int[], ?::text[], ?::text[], ?::int[], ?::int[])
       AS i(id, task, queue, payload, max_attempts, priority,
            idempotency_key, run_at, soft_time_limit_ms, time_limit_ms, callback_url, schedule_id,
            concurrency_key, concurrency_limit, debounce_key, throttle_key, throttle_limit, throttle_period_ms)
   ),
   inserted AS (
     INSERT INTO jobs (id, organization_id, task, queue, payload, status, max_attempts, priority,
                       idempotency_key, run_at, soft_time_limit_ms, time_limit_ms, callback_url, schedule_id,
                       concurrency_key, concurrency_limit, debounce_key, throttle_key, throttle_limit, throttle_period_ms)
     SELECT id, organization_id, task, queue, payload,
            CASE WHEN run_at > now() THEN 'scheduled' ELSE 'queued' END,
            max_attempts, priority, idempotency_key, run_at, soft_time_limit_ms, time_limit_ms, callback_url, schedule_id,
            concurrency_key, concurrency_limit, debounce_key, throttle_key, throttle_limit, throttle_period_ms
     FROM input
     ON CONFLICT (organization_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
     RETURNING id, organization_id, task, queue, status, created_at
   ),
   changed AS (
     SELECT id, organization_id, status AS type, jsonb_build_object('task', task, 'queue', queue) AS data
     FROM inserted
   )`,
  "SELECT id, status, created_at FROM inserted",
  ),
);

/**
 * The row Postgres stored for `job`: the statement answers only what it decided (status, clock),
 * the rest is what was sent and the columns' defaults. Parsing 34 columns of every new row cost
 * the producer more than building them here.
 */
function insertedRow(organizationId: string, job: NewJob, payloadJson: string, status: JobStatus, createdAt: Date): JobRow {
  return {
    id: job.id,
    organization_id: organizationId,
    task: job.task,
    queue: job.queue,
    payload: JSON.parse(payloadJson) as unknown, // as stored: a Date, say, comes back as its ISO string
    status,
    attempts: 0,
    max_attempts: job.maxAttempts,
    claims: 0,
    interruptions: 0,
    priority: job.priority,
    progress: null,
    result: null,
    error: null,
    idempotency_key: job.idempotencyKey,
    run_at: job.runAt,
    soft_time_limit_ms: job.softTimeLimitMs,
    time_limit_ms: job.timeLimitMs,
    callback_url: job.callbackUrl,
    schedule_id: job.scheduleId ?? null,
    lease_expires_at: null,
    worker: null,
    concurrency_key: job.concurrencyKey,
    concurrency_limit: job.concurrencyLimit,
    debounce_key: job.debounceKey,
    throttle_key: job.throttleKey,
    throttle_limit: job.throttleLimit,
    throttle_period_ms: job.throttlePeriodMs,
    published_at: null,
    dead_lettered_at: null,
    created_at: createdAt,
    started_at: null,
    finished_at: null,
    updated_at: createdAt,
  };
}

/**
 * Inserts many jobs of one organization in one statement, with their `queued`/`scheduled` events. A job whose idempotency
 * key is already taken in its organization is not inserted; the row that holds the key is returned.
 */
export async function insertJobs(db: Knex, organizationId: string, jobs: NewJob[]): Promise<InsertedJobs> {
  const column = <T>(pick: (job: NewJob) => T) => pgArray(jobs.map(pick));
  const payloads = jobs.map((job) => JSON.stringify(job.payload ?? null));
  const inserted = await INSERT_JOBS.run<Pick<JobRow, "id" | "status" | "created_at">>(db, [
    organizationId,
    column((job) => job.id),
    column((job) => job.task),
    column((job) => job.queue),
    pgArray(payloads),
    column((job) => job.maxAttempts),
    column((job) => job.priority),
    column((job) => job.idempotencyKey),
    column((job) => job.runAt),
    column((job) => job.softTimeLimitMs),
    column((job) => job.timeLimitMs),
    column((job) => job.callbackUrl),
    column((job) => job.scheduleId ?? null),
    column((job) => job.concurrencyKey),
    column((job) => job.concurrencyLimit),
    column((job) => job.debounceKey),
    column((job) => job.throttleKey),
    column((job) => job.throttleLimit),
    column((job) => job.throttlePeriodMs),
  ]);

  const stored = new Map(inserted.map((row) => [row.id, row]));
  const created: JobRow[] = [];
  const conflicting: NewJob[] = [];
  jobs.forEach((job, index) => {
    const row = stored.get(job.id);
    if (row) created.push(insertedRow(organizationId, job, payloads[index], row.status, row.created_at));
    else if (job.idempotencyKey !== null) conflicting.push(job);
  });
  const existing = new Map<string, JobRow>();
  if (conflicting.length > 0) {
    const found = await db<JobRow>("jobs")
      .where("organization_id", organizationId)
      .whereIn(
        "idempotency_key",
        conflicting.map((job) => job.idempotencyKey as string),
      );
    for (const row of found) existing.set(row.idempotency_key as string, row);
  }
  return { created, existing };
}
