import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { pgArray } from "../pg-array";
import { withEventsAndNotify } from "./record-events";
import { PreparedStatement } from "../prepared-statement";

export interface ClaimOptions {
  /** How long the claim holds without renewal. */
  leaseMs: number;
  /** The claiming node: stored in `worker` and named in the `running` event. */
  workerId: string;
  /** A job whose worker was lost this many times is not taken over again (the caller fails it). */
  maxInterruptions: number;
  /** Fair shares: queue → the most jobs one organization may have running on it (QUEUE_FAIR_SHARES). */
  fairShares: FairShares;
}

export type FairShares = Readonly<Record<string, number>>;

/**
 * An organization's share of a fair-share queue is a concurrency key of its own,
 * `fair:<queue>:<organization>`, with the queue's cap as its limit: the same slots count it, and a
 * lost worker's slots come back the same way. Written here only, in SQL.
 */
const FAIR_SHARE_KEY_SQL = "'fair:' || jobs.queue || ':' || jobs.organization_id";

/** The fair shares as the statements' `(fairQueues, fairCaps)` parameters. */
const fairShareParameters = (fairShares: FairShares): Knex.Value[] => [pgArray(Object.keys(fairShares)), pgArray(Object.values(fairShares))];

/** The batch's jobs on fair-share queues, with their organization's key: `(fairQueues, fairCaps, ids)` are the parameters. */
const FAIR_SHARE_JOBS = `
  SELECT jobs.id, ${FAIR_SHARE_KEY_SQL} AS fair_key, f.cap AS fair_cap
  FROM jobs JOIN unnest(?::text[], ?::int[]) AS f(queue, cap) ON f.queue = jobs.queue
  WHERE jobs.id = ANY(?::uuid[])`;

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

/**
 * What a claim answers: what the attempt and its accounting read. Only these columns are sent back,
 * since formatting and parsing every column (six timestamps) of each claimed row cost more than the
 * UPDATE itself.
 */
const CLAIMED_COLUMNS = [
  "id", "organization_id", "task", "queue", "payload", "attempts", "max_attempts", "claims",
  "soft_time_limit_ms", "time_limit_ms", "concurrency_key", "throttle_key",
] as const;

export type ClaimedJob = Pick<JobRow, (typeof CLAIMED_COLUMNS)[number]>;

/** Nothing starts on a queue its organization paused. */
const NOT_PAUSED = "NOT EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = jobs.organization_id AND p.queue = jobs.queue)";

/**
 * A waiting job starts its next attempt. A running job whose lease ran out lost its worker: it is
 * taken over and the same attempt runs again, counted as an interruption rather than an attempt.
 * Either way `claims` moves on, which fences off whoever held the job before. `admission` narrows
 * the batch (flow control, issue 17). Its clock is the statement's, not the transaction's: a keyed
 * claim's transaction starts before it waits for its keys' locks, and a job must not appear to have
 * started before the one whose slot it took had finished.
 */
const claimStatement = (admission: string, ctes = "") =>
  withEventsAndNotify(
    `${ctes}updated AS (
       UPDATE jobs SET status = 'running',
                       attempts = CASE WHEN status = 'running' THEN attempts ELSE attempts + 1 END,
                       interruptions = CASE WHEN status = 'running' THEN interruptions + 1 ELSE interruptions END,
                       claims = claims + 1,
                       started_at = statement_timestamp(), updated_at = statement_timestamp(),
                       lease_expires_at = statement_timestamp() + make_interval(secs => ? / 1000.0), progress = NULL, worker = ?::text
       WHERE id = ANY(?::uuid[]) AND ${admission}
         AND (run_at IS NULL OR run_at <= statement_timestamp())
         AND ((status IN ('scheduled', 'queued', 'retrying') AND attempts < max_attempts)
              OR (status = 'running' AND lease_expires_at < statement_timestamp() AND interruptions < ?))
       RETURNING *
     ),
     changed AS (
       SELECT id, organization_id, 'running' AS type,
              jsonb_build_object('attempt', attempts, 'claim', claims, 'worker', worker) AS data
       FROM updated
     )`,
    `SELECT ${CLAIMED_COLUMNS.join(", ")} FROM updated`,
  );

/** A batch with no keyed job: only the pause check. */
const CLAIM_JOBS = new PreparedStatement("conveyor_claim_jobs", claimStatement(NOT_PAUSED));

/**
 * A batch with keyed jobs: a job with a concurrency key starts only while fewer than the key's limit
 * (the smallest any of its jobs gives) run, counting live leases, so a lost worker's slots come back
 * when its leases run out; a job on a fair-share queue only while its organization runs fewer than
 * the queue's cap there; a job with a throttle key only while the key's starts in its period are
 * fewer than its limit. Several jobs of one key in a batch are admitted in priority order up to
 * what is free. The caller holds the keys' advisory locks (claimJobs), so claims of a key never race.
 * Parameters: fairQueues, fairCaps, ids (candidates), ids (starts).
 */
const CLAIM_KEYED_JOBS = new PreparedStatement(
  "conveyor_claim_keyed_jobs",
  claimStatement(
  "id IN (SELECT id FROM admitted)",
  `candidates AS (
     SELECT jobs.id, concurrency_key,
            row_number() OVER (PARTITION BY concurrency_key ORDER BY priority DESC, created_at) AS key_rank,
            min(concurrency_limit) OVER (PARTITION BY concurrency_key) AS key_limit,
            CASE WHEN f.cap IS NOT NULL THEN ${FAIR_SHARE_KEY_SQL} END AS fair_key,
            f.cap AS fair_cap,
            row_number() OVER (PARTITION BY jobs.queue, jobs.organization_id ORDER BY priority DESC, created_at) AS fair_rank,
            throttle_key,
            row_number() OVER (PARTITION BY throttle_key ORDER BY priority DESC, created_at) AS throttle_rank,
            min(throttle_limit) OVER (PARTITION BY throttle_key) AS throttle_limit
     FROM jobs LEFT JOIN unnest(?::text[], ?::int[]) AS f(queue, cap) ON f.queue = jobs.queue
     WHERE jobs.id = ANY(?::uuid[]) AND ${NOT_PAUSED}
   ),
   slots AS (${liveSlots(
     "SELECT concurrency_key FROM candidates WHERE concurrency_key IS NOT NULL UNION ALL SELECT fair_key FROM candidates WHERE fair_key IS NOT NULL",
   )}),
   starts AS (${RECENT_STARTS}),
   admitted AS (
     SELECT c.id FROM candidates c
       LEFT JOIN slots ON slots.concurrency_key = c.concurrency_key
       LEFT JOIN slots fair ON fair.concurrency_key = c.fair_key
       LEFT JOIN starts ON starts.throttle_key = c.throttle_key
     WHERE (c.concurrency_key IS NULL
            OR c.key_rank + coalesce(slots.running, 0) <= LEAST(c.key_limit, coalesce(slots.min_limit, c.key_limit)))
       AND (c.fair_key IS NULL OR c.fair_rank + coalesce(fair.running, 0) <= c.fair_cap)
       AND (c.throttle_key IS NULL OR c.throttle_rank + coalesce(starts.started, 0) <= c.throttle_limit)
   ),
   `,
  ),
);

/**
 * Moves the given jobs to `running` in one guarded statement: only jobs that are due and waiting, or
 * whose previous worker's lease has run out, are claimed. A duplicate delivery of a job that is
 * running elsewhere, finished or cancelled claims nothing.
 */
export async function claimJobs(db: Knex, ids: string[], options: ClaimOptions & { keyed: boolean }): Promise<ClaimedJob[]> {
  const claim = (connection: Knex, statement: PreparedStatement, leading: Knex.Value[]) =>
    statement.run<ClaimedJob>(connection, [...leading, options.leaseMs, options.workerId, ids, options.maxInterruptions]);
  if (!options.keyed) return claim(db, CLAIM_JOBS, []);
  const fair = fairShareParameters(options.fairShares);
  // The batch's slot keys: its concurrency keys and its organizations' shares of fair-share queues.
  const slotKeys = `SELECT concurrency_key AS k FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL
                    UNION SELECT fair_key FROM (${FAIR_SHARE_JOBS}) fair`;
  // Counting a key's slots or starts and taking them is one step per key: its lock, every key of the
  // batch in one order (no deadlock), held until the claim commits; the claim's statement then sees
  // every other claim of the key.
  return db.transaction(async (trx) => {
    await trx.raw(
      `SELECT pg_advisory_xact_lock(hashtextextended(k, 0))
       FROM (SELECT 'concurrency:' || k AS k FROM (${slotKeys}) slot_keys
             UNION
             SELECT 'throttle:' || throttle_key FROM jobs WHERE id = ANY(?::uuid[]) AND throttle_key IS NOT NULL
             ORDER BY 1) keys`,
      [ids, ...fair, ids, ids],
    );
    // Slots of these keys whose job no longer runs (cancelled while running, or gone): not counted
    // anyway, removed so each key's slots stay a handful of rows.
    await trx.raw(
      `DELETE FROM concurrency_slots s
       WHERE s.concurrency_key IN (${slotKeys})
         AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = s.job_id AND j.status = 'running')`,
      [ids, ...fair, ids],
    );
    const rows = await claim(trx, CLAIM_KEYED_JOBS, [...fair, ids, ids]);
    // A throttled job's start is counted for its key's period; starts older than a day are dropped.
    const throttled = rows.filter((row) => row.throttle_key !== null);
    if (throttled.length > 0) {
      await trx.raw("INSERT INTO throttle_starts (throttle_key, started_at) SELECT unnest(?::text[]), statement_timestamp()", [pgArray(throttled.map((row) => row.throttle_key))]);
      await trx.raw("DELETE FROM throttle_starts WHERE throttle_key = ANY(?::text[]) AND started_at < now() - interval '1 day'", [
        pgArray([...new Set(throttled.map((row) => row.throttle_key))]),
      ]);
    }
    // The claimed jobs take their slots (their concurrency key's, their organization's share); a
    // taken-over job keeps the ones it had.
    const slotted = rows.filter((row) => row.concurrency_key !== null || options.fairShares[row.queue] !== undefined).map((row) => row.id);
    if (slotted.length > 0) {
      await trx.raw(
        `INSERT INTO concurrency_slots (job_id, concurrency_key, concurrency_limit)
         SELECT id, concurrency_key, concurrency_limit FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL AND concurrency_limit IS NOT NULL
         UNION ALL
         SELECT id, fair_key, fair_cap FROM (${FAIR_SHARE_JOBS}) fair
         ON CONFLICT (job_id, concurrency_key) DO NOTHING`,
        [slotted, ...fair, slotted],
      );
    }
    return rows;
  });
}

/**
 * Why a waiting job that is due does not start: its queue is paused, its concurrency key is full,
 * its organization holds its fair share of the queue, or its throttle's starts are used up.
 */
export type HeldBack = "paused" | "concurrency" | "fair_share" | "throttled" | null;

export type UnclaimedJob = Pick<
  JobRow,
  "id" | "status" | "attempts" | "max_attempts" | "claims" | "interruptions" | "run_at" | "lease_expires_at"
> & { now: Date; held_back: HeldBack };

/** What a worker needs to decide about a message whose job it could not claim (also the job detail's waiting reason). */
export async function inspectJobs(db: Knex, ids: string[], fairShares: FairShares): Promise<UnclaimedJob[]> {
  const { rows } = await db.raw<{ rows: UnclaimedJob[] }>(
    `WITH fair AS (${FAIR_SHARE_JOBS})
     SELECT c.id, c.status, c.attempts, c.max_attempts, c.claims, c.interruptions, c.run_at, c.lease_expires_at, now() AS now,
            CASE WHEN EXISTS (SELECT 1 FROM queue_pauses p WHERE p.organization_id = c.organization_id AND p.queue = c.queue) THEN 'paused'
                 WHEN slots.running >= LEAST(c.concurrency_limit, slots.min_limit) THEN 'concurrency'
                 WHEN fair_slots.running >= fair.fair_cap THEN 'fair_share'
                 WHEN starts.started >= c.throttle_limit THEN 'throttled'
            END AS held_back
     FROM jobs c LEFT JOIN (${liveSlots("SELECT concurrency_key FROM jobs WHERE id = ANY(?::uuid[]) AND concurrency_key IS NOT NULL")}) slots
       ON slots.concurrency_key = c.concurrency_key
     LEFT JOIN fair ON fair.id = c.id
     LEFT JOIN (${liveSlots("SELECT fair_key FROM fair")}) fair_slots
       ON fair_slots.concurrency_key = fair.fair_key
     LEFT JOIN (${RECENT_STARTS}) starts
       ON starts.throttle_key = c.throttle_key
     WHERE c.id = ANY(?::uuid[])`,
    [...fairShareParameters(fairShares), ids, ids, ids, ids],
  );
  return rows;
}
