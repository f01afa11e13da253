import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { withEventsAndNotify } from "./record-events";

const CLAIM_JOBS = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), updated_at = now(),
                     lease_expires_at = now() + make_interval(secs => ? / 1000.0), progress = NULL,
                     published_at = COALESCE(published_at, now())
     WHERE id = ANY(?::uuid[])
       AND attempts < max_attempts
       AND (run_at IS NULL OR run_at <= now())
       AND (status IN ('scheduled', 'queued', 'retrying') OR (status = 'running' AND lease_expires_at < now()))
     RETURNING *
   ),
   changed AS (
     SELECT id, organization_id, 'running' AS type, jsonb_build_object('attempt', attempts, 'worker', ?::text) AS data
     FROM updated
   )`,
  "SELECT * FROM updated",
);

/**
 * Moves the given jobs to `running` in one guarded statement (the `running` event names the worker): only jobs that are due and waiting, or
 * whose previous worker's lease has run out, are claimed. A duplicate delivery of a job that is
 * running elsewhere, finished or cancelled claims nothing.
 */
export async function claimJobs(db: Knex, ids: string[], leaseMs: number, workerId: string): Promise<JobRow[]> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(CLAIM_JOBS, [leaseMs, ids, workerId]);
  return rows;
}

export type UnclaimedJob = Pick<
  JobRow,
  "id" | "status" | "attempts" | "max_attempts" | "run_at" | "lease_expires_at"
> & { now: Date };

/** What a worker needs to decide about a message whose job it could not claim. */
export async function inspectJobs(db: Knex, ids: string[]): Promise<UnclaimedJob[]> {
  const { rows } = await db.raw<{ rows: UnclaimedJob[] }>(
    `SELECT id, status, attempts, max_attempts, run_at, lease_expires_at, now() AS now
     FROM jobs WHERE id = ANY(?::uuid[])`,
    [ids],
  );
  return rows;
}
