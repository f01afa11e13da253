import type { Knex } from "knex";
import { firstEventIdSince } from "./first-event-since";

/**
 * Fixed, so windows of any length line up: a client can fetch the last 15 minutes once, then only
 * the last minute, and replace those buckets (the dashboard does).
 */
export const BUCKET_SECONDS = 10;

/** The window of a stats query: `count` buckets, the last one holding `until`. */
interface StatsWindow {
  count: number;
  /** Start of the first bucket. */
  since: Date;
  until: Date;
}

function statsWindow(minutes: number, now = new Date()): StatsWindow {
  const count = (minutes * 60) / BUCKET_SECONDS;
  const lastBucket = Math.floor(now.getTime() / 1000 / BUCKET_SECONDS) * BUCKET_SECONDS;
  return { count, since: new Date((lastBucket - (count - 1) * BUCKET_SECONDS) * 1000), until: now };
}

/**
 * Per queue and bucket, from the organization's job history: attempts started (`running` events),
 * jobs that succeeded and that failed, and the enqueue→start latency of first attempts.
 *
 * Why job_events: it is append-only, and the window is a range of its ids, from the window's first
 * event (first-event-since.ts) on, read through its primary key or its (organization_id, id)
 * index; so no index is added, least of all on `jobs`, whose rows every transition rewrites. Each
 * event's job is looked up by primary key for its queue and due time; LIMIT 1 keeps that lookup a
 * nested loop, so the cost follows the window's events and never becomes a scan of all jobs.
 *
 * Latency is measured on the first claim only (`claim` 1), from when the job was due: its run_at,
 * or its creation for a job enqueued to run at once. A retry moves run_at past that first start, so
 * then creation is the due time (exact for all but a delayed job that later retried). Later claims
 * are left out: a retry's wait includes its backoff, a takeover's the lost worker's lease.
 */
const QUEUE_STATS = `
  WITH events AS (
    SELECT j.queue, e.type,
           (floor(extract(epoch FROM e.created_at) / ?) * ?)::float8 AS bucket,
           CASE WHEN e.type = 'running' AND e.data->>'claim' = '1'
                THEN extract(epoch FROM e.created_at - CASE WHEN j.run_at <= e.created_at THEN j.run_at ELSE j.created_at END)::float8 * 1000
           END AS latency_ms
    FROM job_events e
    CROSS JOIN LATERAL (
      SELECT queue, run_at, created_at FROM jobs WHERE id = e.job_id AND organization_id = e.organization_id LIMIT 1
    ) j
    WHERE e.organization_id = ?
      AND e.id >= ?::bigint
      AND e.created_at >= ?
      AND e.type IN ('running', 'succeeded', 'failed')
  )
  SELECT queue, bucket,
         count(*) FILTER (WHERE type = 'running')::int AS started,
         count(*) FILTER (WHERE type = 'succeeded')::int AS succeeded,
         count(*) FILTER (WHERE type = 'failed')::int AS failed,
         percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY latency_ms) AS latency
  FROM events
  -- null queue: every queue; null bucket: the whole window (neither column is ever null itself)
  GROUP BY GROUPING SETS ((queue, bucket), (queue), (bucket), ())`;

interface StatsRow {
  queue: string | null;
  bucket: number | null;
  started: number;
  succeeded: number;
  failed: number;
  /** [p50, p99], or null without a first attempt to measure. */
  latency: number[] | null;
}

export interface StatsCounts {
  started: number;
  succeeded: number;
  failed: number;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
}

export interface StatsBucket extends StatsCounts {
  /** Start of the bucket; the last one is still filling. */
  at: string;
}

export interface StatsSeries extends StatsCounts {
  buckets: StatsBucket[];
}

export interface PublicQueueStats {
  minutes: number;
  bucketSeconds: number;
  from: string;
  to: string;
  /** Every queue together. */
  all: StatsSeries;
  queues: (StatsSeries & { queue: string })[];
}

const milliseconds = (value: number | null | undefined) => (value === undefined || value === null ? null : Math.round(value * 10) / 10);

function countsOf(row: StatsRow | undefined): StatsCounts {
  return {
    started: row?.started ?? 0,
    succeeded: row?.succeeded ?? 0,
    failed: row?.failed ?? 0,
    latencyP50Ms: milliseconds(row?.latency?.[0]),
    latencyP99Ms: milliseconds(row?.latency?.[1]),
  };
}

/**
 * The organization's throughput and latency over the window, every bucket present (zeros where
 * nothing happened), for `queues` and any other queue that had events.
 */
export async function queueStats(db: Knex, organizationId: string, minutes: number, queues: string[]): Promise<PublicQueueStats> {
  const window = statsWindow(minutes);
  const firstEventId = await firstEventIdSince(db, window.since);
  const { rows } = await db.raw<{ rows: StatsRow[] }>(QUEUE_STATS, [BUCKET_SECONDS, BUCKET_SECONDS, organizationId, firstEventId, window.since]);
  const rowOf = new Map(rows.map((row) => [`${row.queue ?? ""}|${row.bucket ?? ""}`, row]));
  const firstBucket = window.since.getTime() / 1000;
  const seriesOf = (queue: string | null): StatsSeries => ({
    ...countsOf(rowOf.get(`${queue ?? ""}|`)),
    buckets: Array.from({ length: window.count }, (_, index) => {
      const bucket = firstBucket + index * BUCKET_SECONDS;
      return { at: new Date(bucket * 1000).toISOString(), ...countsOf(rowOf.get(`${queue ?? ""}|${bucket}`)) };
    }),
  });
  const active = rows.flatMap((row) => (row.queue === null ? [] : [row.queue]));
  return {
    minutes,
    bucketSeconds: BUCKET_SECONDS,
    from: window.since.toISOString(),
    to: window.until.toISOString(),
    all: seriesOf(null),
    queues: [...new Set([...queues, ...active])].sort().map((queue) => ({ queue, ...seriesOf(queue) })),
  };
}
