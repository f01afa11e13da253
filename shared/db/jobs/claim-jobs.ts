import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { withEventsAndNotify } from "./record-events";

export interface ClaimOptions {
  /** How long the claim holds without renewal. */
  leaseMs: number;
  /** The claiming node: stored in `worker` and named in the `running` event. */
  workerId: string;
  /** A job whose worker was lost this many times is not taken over again (the caller fails it). */
  maxInterruptions: number;
}

/**
 * A waiting job starts its next attempt. A running job whose lease ran out lost its worker: it is
 * taken over and the same attempt runs again, counted as an interruption rather than an attempt.
 * Either way `claims` moves on, which fences off whoever held the job before.
 */
const CLAIM_JOBS = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET status = 'running',
                     attempts = CASE WHEN status = 'running' THEN attempts ELSE attempts + 1 END,
                     interruptions = CASE WHEN status = 'running' THEN interruptions + 1 ELSE interruptions END,
                     claims = claims + 1,
                     started_at = now(), updated_at = now(),
                     lease_expires_at = now() + make_interval(secs => ? / 1000.0), progress = NULL, worker = ?::text
     WHERE id = ANY(?::uuid[])
       AND (run_at IS NULL OR run_at <= now())
       AND ((status IN ('scheduled', 'queued', 'retrying') AND attempts < max_attempts)
            OR (status = 'running' AND lease_expires_at < now() AND interruptions < ?))
     RETURNING *
   ),
   changed AS (
     SELECT id, organization_id, 'running' AS type,
            jsonb_build_object('attempt', attempts, 'claim', claims, 'worker', worker) AS data
     FROM updated
   )`,
  "SELECT * FROM updated",
);

/**
 * Moves the given jobs to `running` in one guarded statement: only jobs that are due and waiting, or
 * whose previous worker's lease has run out, are claimed. A duplicate delivery of a job that is
 * running elsewhere, finished or cancelled claims nothing.
 */
export async function claimJobs(db: Knex, ids: string[], options: ClaimOptions): Promise<JobRow[]> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(CLAIM_JOBS, [options.leaseMs, options.workerId, ids, options.maxInterruptions]);
  return rows;
}

export type UnclaimedJob = Pick<
  JobRow,
  "id" | "status" | "attempts" | "max_attempts" | "claims" | "interruptions" | "run_at" | "lease_expires_at"
> & { now: Date };

/** What a worker needs to decide about a message whose job it could not claim. */
export async function inspectJobs(db: Knex, ids: string[]): Promise<UnclaimedJob[]> {
  const { rows } = await db.raw<{ rows: UnclaimedJob[] }>(
    `SELECT id, status, attempts, max_attempts, claims, interruptions, run_at, lease_expires_at, now() AS now
     FROM jobs WHERE id = ANY(?::uuid[])`,
    [ids],
  );
  return rows;
}
