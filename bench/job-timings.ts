import type { Db } from "../shared/db/knex";

/** p50/p95/p99 and max of one latency, in milliseconds. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What the jobs table says about one run's jobs (all of one organization). */
export interface JobTimings {
  total: number;
  succeeded: number;
  /** Jobs that needed more than one attempt (a redelivery or a retry): 0 in a clean run. */
  multiAttempt: number;
  firstCreatedAt: Date;
  lastFinishedAt: Date;
  enqueueToStart: Percentiles;
  enqueueToFinish: Percentiles;
}

interface TimingRow {
  total: string;
  succeeded: string;
  multi_attempt: string;
  first_created: Date;
  last_finished: Date;
  to_start: (string | number)[];
  to_finish: (string | number)[];
}

const toPercentiles = (values: (string | number)[]): Percentiles => {
  const [p50, p95, p99, max] = values.map(Number);
  return { p50, p95, p99, max };
};

/**
 * Latencies from the rows' own timestamps (Postgres `now()` of the inserting, claiming and finishing
 * transactions): created_at → started_at and created_at → finished_at, exact percentiles over every job.
 */
export async function jobTimings(db: Db, organizationId: string): Promise<JobTimings> {
  const { rows } = await db.raw<{ rows: TimingRow[] }>(
    `WITH j AS (
       SELECT status, attempts, created_at, finished_at,
              (extract(epoch FROM started_at - created_at) * 1000)::float8 AS to_start,
              (extract(epoch FROM finished_at - created_at) * 1000)::float8 AS to_finish
       FROM jobs WHERE organization_id = ?
     )
     SELECT count(*) AS total,
            count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
            count(*) FILTER (WHERE attempts > 1) AS multi_attempt,
            min(created_at) AS first_created,
            max(finished_at) AS last_finished,
            percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY to_start) || max(to_start) AS to_start,
            percentile_disc(ARRAY[0.5, 0.95, 0.99]) WITHIN GROUP (ORDER BY to_finish) || max(to_finish) AS to_finish
     FROM j`,
    [organizationId],
  );
  const row = rows[0];
  return {
    total: Number(row.total),
    succeeded: Number(row.succeeded),
    multiAttempt: Number(row.multi_attempt),
    firstCreatedAt: row.first_created,
    lastFinishedAt: row.last_finished,
    enqueueToStart: toPercentiles(row.to_start),
    enqueueToFinish: toPercentiles(row.to_finish),
  };
}

/** Jobs of the organization by status, for progress and for the error when a run stalls. */
export async function statusCounts(db: Db, organizationId: string): Promise<Record<string, number>> {
  const { rows } = await db.raw<{ rows: { status: string; count: string }[] }>(
    "SELECT status, count(*) AS count FROM jobs WHERE organization_id = ? GROUP BY status",
    [organizationId],
  );
  return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
}

/** Unfinished jobs of the organization (answered from the partial index on active jobs). */
async function activeCount(db: Db, organizationId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { count: string }[] }>(
    "SELECT count(*) AS count FROM jobs WHERE organization_id = ? AND status IN ('scheduled', 'queued', 'running', 'retrying')",
    [organizationId],
  );
  return Number(rows[0].count);
}

/**
 * Polls until no job of the organization is left unfinished (call it once every enqueue has been
 * answered: a job's row is committed before its enqueue is answered). Fails when the count does not
 * move for `stallMs`, or at `deadline` (epoch ms), naming the counts by status.
 */
export async function waitForFinished(
  db: Db,
  organizationId: string,
  { deadline, stallMs = 60_000, intervalMs = 250 }: { deadline: number; stallMs?: number; intervalMs?: number },
): Promise<void> {
  let lastActive = -1;
  let lastProgressAt = Date.now();
  for (;;) {
    const active = await activeCount(db, organizationId);
    if (active === 0) return;
    const now = Date.now();
    if (active !== lastActive) {
      lastActive = active;
      lastProgressAt = now;
    }
    if (now - lastProgressAt > stallMs || now > deadline) {
      const why = now > deadline ? "timed out" : `made no progress for ${stallMs} ms`;
      const counts = await statusCounts(db, organizationId);
      throw new Error(`Run ${why}: ${active} jobs unfinished; by status ${JSON.stringify(counts)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
