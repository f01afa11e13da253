import type { Knex } from "knex";
import type { ScheduleRow } from "./schedule-record";

/** A run that has no job yet, with its schedule (what the job is made from). */
export type UnenqueuedRun = ScheduleRow & { run_id: string; fire_time: Date };

const UNENQUEUED_RUNS = `
  SELECT s.*, r.id AS run_id, r.fire_time
  FROM schedule_runs r JOIN schedules s ON s.id = r.schedule_id
  WHERE r.job_id IS NULL AND r.error IS NULL AND r.created_at < clock_timestamp() - ? * interval '1 millisecond'
  ORDER BY r.created_at
  LIMIT ?`;

/**
 * Runs recorded at least `olderThanMs` ago that have neither a job nor an error: their scheduler died
 * between recording and enqueueing, or the jobs service was unreachable. Enqueueing them again is safe
 * (the job's idempotency key is the run's).
 */
export async function unenqueuedRuns(db: Knex, olderThanMs: number, limit: number): Promise<UnenqueuedRun[]> {
  const { rows } = await db.raw<{ rows: UnenqueuedRun[] }>(UNENQUEUED_RUNS, [olderThanMs, limit]);
  return rows;
}
