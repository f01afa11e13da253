import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { pgArray } from "../pg-array";
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
 * A key's live slots: its claimed jobs still running with a live lease. `OFFSET 0` keeps the job
 * lookup a probe by primary key per slot row (a join could be planned as a scan of all jobs).
 */
const liveSlots = (keys: string) => `
  SELECT s.concurrency_key, count(*) AS running, min(s.concurrency_limit) AS min_limit
  FROM concurrency_slots s,
       LATERAL (SELECT 1 FROM jobs r WHERE r.id = s.job_id AND r.status = 'running' AND r.lease_expires_at > now() OFFSET 0) live
  WHERE s.concurrency_key IN (${keys})
  GROUP BY s.concurrency_key`;

/**
 * The starts within its period of each throttle key of the batch (`ids`, the statement's next
 * parameter), the period being the smallest its jobs give.
 */
const RECENT_STARTS = `
  SELECT t.throttle_key, count(*) AS started
  FROM throttle_starts t
  JOIN (SELECT throttle_key, min(throttle_period_ms) AS period_ms FROM jobs
        WHERE id = ANY(?::uuid[]) AND throttle_key IS NOT NULL GROUP BY throttle_key) k ON k.throttle_key = t.throttle_key
  WHERE t.started_at > now() - make_interval(secs => k.period_ms / 1000.0)
  GROUP BY t.throttle_key`;

/** Nothing starts on a queue its organization paused. */
const NOT_PAUSED = "NOT EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = jobs.organization_id AND p.queue = jobs.queue)";

/**
 * A waiting job starts its next attempt. A running job whose lease ran out lost its worker: it is
 * taken over and the same attempt runs again, counted as an interruption rather than an attempt.
 * Either way `claims` moves on, which fences off whoever held the job before. `admission` narrows
 * the batch (flow control, issue 17).
 */
const claimStatement = (admission: string, ctes = "") =>
  withEventsAndNotify(
    `${ctes}updated AS (
       UPDATE jobs SET status = 'running',
                       attempts = CASE WHEN status = 'running' THEN attempts ELSE attempts + 1 END,
                       interruptions = CASE WHEN status = 'running' THEN interruptions + 1 ELSE interruptions END,
                       claims = claims + 1,
                       started_at = now(), updated_at = now(),
                       lease_expires_at = now() + make_interval(secs => ? / 1000.0), progress = NULL, worker = ?::text
       WHERE id = ANY(?::uuid[]) AND ${admission}
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

/** A batch with no keyed job: only the pause check. */
const CLAIM_JOBS = claimStatement(NOT_PAUSED);

/**
 * A batch with keyed jobs: a job with a concurrency key starts only while fewer than the key's limit
 * (the smallest any of its jobs gives) run, counting live leases, so a lost worker's slots come back
 * when its leases run out; a job with a throttle key only while the key's starts in its period are
 * fewer than its limit. Several jobs of one key in a batch are admitted in priority order up to
 * what is free. The caller holds the keys' advisory locks (claimJobs), so claims of a key never race.
 */
const CLAIM_KEYED_JOBS = claimStatement(
  "id IN (SELECT id FROM admitted)",
  `candidates AS (
     SELECT id, concurrency_key,
            row_number() OVER (PARTITION BY concurrency_key ORDER BY priority DESC, created_at) AS key_rank,
            min(concurrency_limit) OVER (PARTITION BY concurrency_key) AS key_limit,
            throttle_key,
            row_number() OVER (PARTITION BY throttle_key ORDER BY priority DESC, created_at) AS throttle_rank,
            min(throttle_limit) OVER (PARTITION BY throttle_key) AS throttle_limit
     FROM jobs
     WHERE id = ANY(?::uuid[]) AND ${NOT_PAUSED}
   ),
   slots AS (${liveSlots("SELECT concurrency_key FROM candidates WHERE concurrency_key IS NOT NULL")}),
   starts AS (${RECENT_STARTS}),
   admitted AS (
     SELECT c.id FROM candidates c
       LEFT JOIN slots ON slots.concurrency_key = c.concurrency_key
       LEFT JOIN starts ON starts.throttle_key = c.throttle_key
     WHERE (c.concurrency_key IS NULL
            OR c.key_rank + coalesce(slots.running, 0) <= LEAST(c.key_limit, coalesce(slots.min_limit, c.key_limit)))
       AND (c.throttle_key IS NULL OR c.throttle_rank + coalesce(starts.started, 0) <= c.throttle_limit)
   ),
   `,
);

/**
 * Moves the given jobs to `running` in one guarded statement: only jobs that are due and waiting, or
 * whose previous worker's lease has run out, are claimed. A duplicate delivery of a job that is
 * running elsewhere, finished or cancelled claims nothing.
 */
export async function claimJobs(db: Knex, ids: string[], options: ClaimOptions & { keyed: boolean }): Promise<JobRow[]> {
  const claim = async (connection: Knex, statement: string, leading: string[][]) =>
    (await connection.raw<{ rows: JobRow[] }>(statement, [...leading, options.leaseMs, options.workerId, ids, options.maxInterruptions])).rows;
  if (!options.keyed) return claim(db, CLAIM_JOBS, []);
  // Counting a key's slots or starts and taking them is one step per key: its lock, every key of the
  // batch in one order (no deadlock), held until the claim commits; the claim's statement then sees
  // every other claim of the key.
  return db.transaction(async (trx) => {
    await trx.raw(
      `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
       FROM (SELECT 'concurrency:' || concurrency_key AS k FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL
             UNION
             SELECT 'throttle:' || throttle_key FROM jobs WHERE id = ANY(?::uuid[]) AND throttle_key IS NOT NULL
             ORDER BY 1) keys`,
      [ids, ids],
    );
    // Slots of these keys whose job no longer runs (cancelled while running, or gone): not counted
    // anyway, removed so each key's slots stay a handful of rows.
    await trx.raw(
      `DELETE FROM concurrency_slots s
       WHERE s.concurrency_key IN (SELECT concurrency_key FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL)
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = s.job_id AND j.status = 'running')`,
      [ids],
    );
    const rows = await claim(trx, CLAIM_KEYED_JOBS, [ids, ids]);
    // A throttled job's start is counted for its key's period; starts older than a day are dropped.
    const throttled = rows.filter((row) => row.throttle_key !== null);
    if (throttled.length > 0) {
      await trx.raw("INSERT INTO throttle_starts (throttle_key) SELECT unnest(?::text[])", [pgArray(throttled.map((row) => row.throttle_key))]);
      await trx.raw("DELETE FROM throttle_starts WHERE throttle_key = ANY(?::text[]) AND started_at < now() - interval '1 day'", [
        pgArray([...new Set(throttled.map((row) => row.throttle_key))]),
      ]);
    }
    // The claimed keyed jobs take their slots; a taken-over job keeps the one it had.
    const keyed = rows.filter((row) => row.concurrency_key !== null);
    if (keyed.length > 0) {
      await trx.raw(
        `INSERT INTO concurrency_slots (job_id, concurrency_key, concurrency_limit)
         SELECT * FROM unnest(?::uuid[], ?::text[], ?::int[]) ON CONFLICT (job_id) DO NOTHING`,
        [pgArray(keyed.map((row) => row.id)), pgArray(keyed.map((row) => row.concurrency_key)), pgArray(keyed.map((row) => row.concurrency_limit))],
      );
    }
    return rows;
  });
}

/** Why a waiting job that is due does not start: its queue is paused, its concurrency key is full, or its throttle's starts are used up. */
export type HeldBack = "paused" | "concurrency" | "throttled" | null;

export type UnclaimedJob = Pick<
  JobRow,
  "id" | "status" | "attempts" | "max_attempts" | "claims" | "interruptions" | "run_at" | "lease_expires_at"
> & { now: Date; held_back: HeldBack };

/** What a worker needs to decide about a message whose job it could not claim (also the job detail's waiting reason). */
export async function inspectJobs(db: Knex, ids: string[]): Promise<UnclaimedJob[]> {
  const { rows } = await db.raw<{ rows: UnclaimedJob[] }>(
    `SELECT c.id, c.status, c.attempts, c.max_attempts, c.claims, c.interruptions, c.run_at, c.lease_expires_at, now() AS now,
            CASE WHEN EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = c.organization_id AND p.queue = c.queue) THEN 'paused'
                 WHEN slots.running >= LEAST(c.concurrency_limit, slots.min_limit) THEN 'concurrency'
                 WHEN starts.started >= c.throttle_limit THEN 'throttled'
            END AS held_back
     FROM jobs c LEFT JOIN (${liveSlots("SELECT concurrency_key FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL")}) slots
       ON slots.concurrency_key = c.concurrency_key
     LEFT JOIN (${RECENT_STARTS}) starts
       ON starts.throttle_key = c.throttle_key
     WHERE c.id = ANY(?::uuid[])`,
    [ids, ids, ids],
  );
  return rows;
}
