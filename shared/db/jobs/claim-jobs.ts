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

/** A concurrency key's live slots: its running jobs whose worker still holds the lease. */
const RUNNING_OF_KEY = `FROM jobs r WHERE r.concurrency_key = c.concurrency_key AND r.finished_at IS NULL
                         AND r.status = 'running' AND r.lease_expires_at > now()`;

/**
 * A waiting job starts its next attempt. A running job whose lease ran out lost its worker: it is
 * taken over and the same attempt runs again, counted as an interruption rather than an attempt.
 * Either way `claims` moves on, which fences off whoever held the job before.
 *
 * Admission (issue 17): nothing starts on a queue its organization paused, and a job with a
 * concurrency key starts only while fewer than the key's limit (the smallest any of its jobs gives)
 * run, counting the live leases of its running jobs, so a lost worker's slots come back when its
 * leases run out. Several jobs of one key in a batch are admitted in priority order up to the free
 * slots. The caller holds the keys' advisory locks (claimJobs), so claims of one key never race.
 */
const CLAIM_JOBS = withEventsAndNotify(
  `candidates AS (
     SELECT id, concurrency_key,
            row_number() OVER (PARTITION BY concurrency_key ORDER BY priority DESC, created_at) AS key_rank,
            min(concurrency_limit) OVER (PARTITION BY concurrency_key) AS key_limit
     FROM jobs
     WHERE id = ANY(?::uuid[])
       AND NOT EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = jobs.organization_id AND p.queue = jobs.queue)
   ),
   admitted AS (
     SELECT c.id FROM candidates c
     WHERE c.concurrency_key IS NULL
        OR c.key_rank + (SELECT count(*) ${RUNNING_OF_KEY}) <= LEAST(c.key_limit, (SELECT min(r.concurrency_limit) ${RUNNING_OF_KEY}))
   ),
   updated AS (
     UPDATE jobs SET status = 'running',
                     attempts = CASE WHEN status = 'running' THEN attempts ELSE attempts + 1 END,
                     interruptions = CASE WHEN status = 'running' THEN interruptions + 1 ELSE interruptions END,
                     claims = claims + 1,
                     started_at = now(), updated_at = now(),
                     lease_expires_at = now() + make_interval(secs => ? / 1000.0), progress = NULL, worker = ?::text
     WHERE id IN (SELECT id FROM admitted)
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
export async function claimJobs(db: Knex, ids: string[], options: ClaimOptions & { keyed: boolean }): Promise<JobRow[]> {
  const claim = async (connection: Knex) =>
    (await connection.raw<{ rows: JobRow[] }>(CLAIM_JOBS, [ids, options.leaseMs, options.workerId, options.maxInterruptions])).rows;
  if (!options.keyed) return claim(db);
  // Counting a key's slots and taking them is one step per key: its lock, in key order (no deadlock),
  // held until the claim commits; the claim's statement then sees every other claim of the key.
  return db.transaction(async (trx) => {
    await trx.raw(
      `SELECT pg_advisory_xact_lock(hashtextextended('concurrency:' || k, 0))
       FROM (SELECT DISTINCT concurrency_key AS k FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL ORDER BY 1) keys`,
      [ids],
    );
    return claim(trx);
  });
}

/** Why a waiting job that is due does not start: its queue is paused, or its concurrency key is full. */
export type HeldBack = "paused" | "concurrency" | null;

export type UnclaimedJob = Pick<
  JobRow,
  "id" | "status" | "attempts" | "max_attempts" | "claims" | "interruptions" | "run_at" | "lease_expires_at"
> & { now: Date; held_back: HeldBack };

/** What a worker needs to decide about a message whose job it could not claim (also the job detail's waiting reason). */
export async function inspectJobs(db: Knex, ids: string[]): Promise<UnclaimedJob[]> {
  const { rows } = await db.raw<{ rows: UnclaimedJob[] }>(
    `SELECT c.id, c.status, c.attempts, c.max_attempts, c.claims, c.interruptions, c.run_at, c.lease_expires_at, now() AS now,
            CASE WHEN EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = c.organization_id AND p.queue = c.queue) THEN 'paused'
                 WHEN c.concurrency_key IS NOT NULL
                  AND (SELECT count(*) ${RUNNING_OF_KEY}) >= LEAST(c.concurrency_limit, (SELECT min(r.concurrency_limit) ${RUNNING_OF_KEY})) THEN 'concurrency'
            END AS held_back
     FROM jobs c WHERE c.id = ANY(?::uuid[])`,
    [ids],
  );
  return rows;
}
