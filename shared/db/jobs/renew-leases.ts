import type { Knex } from "knex";
import { pgArray } from "../pg-array";

/**
 * Extends the lease of every job a worker is running, in one statement. Returns the ids still
 * running under that attempt: a job missing from the answer was cancelled or taken over, and its
 * worker should abort it.
 */
export async function renewLeases(
  db: Knex,
  running: { jobId: string; attempt: number }[],
  leaseMs: number,
): Promise<Set<string>> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ? / 1000.0)
     FROM unnest(?::uuid[], ?::int[]) AS i(id, attempt)
     WHERE j.id = i.id AND j.attempts = i.attempt AND j.status = 'running'
     RETURNING j.id`,
    [leaseMs, pgArray(running.map((job) => job.jobId)), pgArray(running.map((job) => job.attempt))],
  );
  return new Set(rows.map((row) => row.id));
}
