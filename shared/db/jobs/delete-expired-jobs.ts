import type { Knex } from "knex";

export interface JobRetention {
  /** How long a succeeded job (and its history) is kept after it finished. */
  succeededMs: number;
  /** How long a failed or cancelled job is kept: longer, as it may be looked into or replayed. */
  failedMs: number;
}

/**
 * Deletes up to `limit` finished jobs past their retention, with their events and webhook deliveries
 * (which have no foreign key to jobs, decision in migration 005), in one statement; returns how many
 * jobs. Rows of the domains that name a job (documents, ingestion runs, issues) keep their id.
 */
const DELETE_EXPIRED_JOBS = `
  WITH expired AS (
    SELECT id FROM jobs
    WHERE finished_at IS NOT NULL
      AND ((status = 'succeeded' AND finished_at < now() - make_interval(secs => ? / 1000.0))
        OR (status IN ('failed', 'cancelled') AND finished_at < now() - make_interval(secs => ? / 1000.0)))
    ORDER BY finished_at
    LIMIT ?
    FOR UPDATE SKIP LOCKED
  ),
  events AS (DELETE FROM job_events WHERE job_id IN (SELECT id FROM expired)),
  deliveries AS (DELETE FROM webhook_deliveries WHERE job_id IN (SELECT id FROM expired))
  DELETE FROM jobs WHERE id IN (SELECT id FROM expired)`;

export async function deleteExpiredJobs(db: Knex, retention: JobRetention, limit: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(DELETE_EXPIRED_JOBS, [retention.succeededMs, retention.failedMs, limit]);
  return result.rowCount;
}
