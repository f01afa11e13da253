import type { Knex } from "knex";
import type { JobRow } from "./job-record";
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
     RETURNING *
   ),
   changed AS (
     SELECT id, organization_id, status AS type, jsonb_build_object('task', task, 'queue', queue) AS data
     FROM inserted
   )`,
  "SELECT * FROM inserted",
  ),
);

/**
 * Inserts many jobs of one organization in one statement, with their `queued`/`scheduled` events. A job whose idempotency
 * key is already taken in its organization is not inserted; the row that holds the key is returned.
 */
export async function insertJobs(db: Knex, organizationId: string, jobs: NewJob[]): Promise<InsertedJobs> {
  const column = <T>(pick: (job: NewJob) => T) => pgArray(jobs.map(pick));
  const rows = await INSERT_JOBS.run<JobRow>(db, [
    organizationId,
    column((job) => job.id),
    column((job) => job.task),
    column((job) => job.queue),
    column((job) => JSON.stringify(job.payload ?? null)),
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

  const createdIds = new Set(rows.map((row) => row.id));
  const conflicting = jobs.filter((job) => job.idempotencyKey !== null && !createdIds.has(job.id));
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
  return { created: rows, existing };
}
