import type { Knex } from "knex";
import { pausedQueues } from "./queue-pauses";

/** The most keys of each kind in an answer, the busiest first: a tenant with 100k keyed jobs gets a short list. */
export const MAX_FLOW_KEYS = 100;

/** Whose key it is: given with an enqueue (the organization's), or declared by a task. */
export type FlowKeyScope = "organization" | "task";

/** A flow-control key as stored, with what its prefix says (job-enqueuer.ts writes the prefixes). */
export interface FlowKey {
  /** As stored on the jobs: `org:<organization>:<key>` or `task:<task>:<key>`. */
  key: string;
  scope: FlowKeyScope;
  /** The key without its prefix, as the enqueue or the task gave it. */
  name: string;
  /** The task that declared it; null for an organization's key. */
  task: string | null;
}

export interface ConcurrencyKeyState extends FlowKey {
  /** The organization's jobs of the key that run with a live lease (the slots the claim counts). */
  running: number;
  /** Its jobs that wait: scheduled, queued or retrying. */
  waiting: number;
  /** The smallest limit its unfinished jobs give, as the claim applies it. */
  limit: number;
}

export interface ThrottleState extends FlowKey {
  limit: number;
  periodMs: number;
  /** Starts of the key within the last `periodMs` (throttle_starts). */
  startsInPeriod: number;
  waiting: number;
}

export interface FlowControlState {
  pausedQueues: string[];
  concurrencyKeys: ConcurrencyKeyState[];
  throttles: ThrottleState[];
  /** Some keys were left out (more than MAX_FLOW_KEYS of a kind). */
  truncated: boolean;
}

const WAITING = "status IN ('scheduled', 'queued', 'retrying')";
const RUNNING = "status = 'running' AND lease_expires_at > now()";

/**
 * Per concurrency key and per throttle key of the organization's unfinished jobs, in one pass over
 * them (the two grouping sets): their running and waiting jobs and the smallest limit and period,
 * as the claim applies them, the busiest `?` of each kind; then each listed throttle's starts in its
 * period (throttle_starts_key). The jobs are read through jobs_unfinished (organization_id, queue)
 * WHERE finished_at IS NULL, like activeCounts: no index names a key column, so claims stay HOT
 * (decision 25), and the cost follows the organization's unfinished jobs.
 */
const FLOW_KEYS = `
  WITH per_key AS (
    SELECT CASE WHEN GROUPING(concurrency_key) = 0 THEN 'concurrency' ELSE 'throttle' END AS kind,
           -- in each set the other key is grouped out (null); jobs without the set's key make a null group
           coalesce(concurrency_key, throttle_key) AS key,
           count(*) FILTER (WHERE ${RUNNING})::int AS running,
           count(*) FILTER (WHERE ${WAITING})::int AS waiting,
           min(concurrency_limit)::int AS concurrency_limit,
           min(throttle_limit)::int AS throttle_limit,
           min(throttle_period_ms)::int AS period_ms
    FROM jobs
    WHERE organization_id = ? AND finished_at IS NULL AND (concurrency_key IS NOT NULL OR throttle_key IS NOT NULL)
    GROUP BY GROUPING SETS ((concurrency_key), (throttle_key))
  ), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY kind ORDER BY running + waiting DESC, key) AS rank
    FROM per_key
    WHERE key IS NOT NULL
  )
  SELECT r.kind, r.key, r.running, r.waiting, r.concurrency_limit, r.throttle_limit, r.period_ms, s.starts
  FROM ranked r
  LEFT JOIN LATERAL (
    SELECT count(*)::int AS starts FROM throttle_starts t
    WHERE r.kind = 'throttle' AND t.throttle_key = r.key AND t.started_at > now() - make_interval(secs => r.period_ms / 1000.0)
  ) s ON true
  WHERE r.rank <= ?
  ORDER BY r.kind, r.rank`;

type FlowKeyRow =
  | { kind: "concurrency"; key: string; running: number; waiting: number; concurrency_limit: number }
  | { kind: "throttle"; key: string; running: number; waiting: number; throttle_limit: number; period_ms: number; starts: number };

/**
 * What a stored key's prefix says. Task names have no colon (define-task.ts), so the first colon
 * after `task:` ends the name; a key of neither form (none is written so) is shown whole.
 */
export function describeFlowKey(key: string, organizationId: string): FlowKey {
  const own = `org:${organizationId}:`;
  if (key.startsWith(own)) return { key, scope: "organization", name: key.slice(own.length), task: null };
  const nameEnd = key.startsWith("task:") ? key.indexOf(":", "task:".length) : -1;
  if (nameEnd > "task:".length) return { key, scope: "task", name: key.slice(nameEnd + 1), task: key.slice("task:".length, nameEnd) };
  return { key, scope: "organization", name: key, task: null };
}

/**
 * One organization's flow control at a glance: the queues it paused, and the busiest concurrency
 * and throttle keys its unfinished jobs carry (at most MAX_FLOW_KEYS of each). Counts are the
 * organization's own jobs only: a task's key may be shared with other organizations, whose jobs
 * are not theirs to see.
 */
export async function flowControlState(db: Knex, organizationId: string, maxKeys = MAX_FLOW_KEYS): Promise<FlowControlState> {
  // One row past the bound of each kind says whether keys were left out.
  const [paused, { rows }] = await Promise.all([pausedQueues(db, organizationId), db.raw<{ rows: FlowKeyRow[] }>(FLOW_KEYS, [organizationId, maxKeys + 1])]);
  const concurrencyKeys: ConcurrencyKeyState[] = [];
  const throttles: ThrottleState[] = [];
  for (const row of rows) {
    const key = describeFlowKey(row.key, organizationId);
    if (row.kind === "concurrency") concurrencyKeys.push({ ...key, running: row.running, waiting: row.waiting, limit: row.concurrency_limit });
    else throttles.push({ ...key, limit: row.throttle_limit, periodMs: row.period_ms, startsInPeriod: row.starts, waiting: row.waiting });
  }
  return {
    pausedQueues: [...paused].sort(),
    concurrencyKeys: concurrencyKeys.slice(0, maxKeys),
    throttles: throttles.slice(0, maxKeys),
    truncated: concurrencyKeys.length > maxKeys || throttles.length > maxKeys,
  };
}
