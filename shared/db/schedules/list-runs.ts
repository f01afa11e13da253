import type { Knex } from "knex";
import type { JobStatus } from "../jobs/job-record";
import type { ScheduleRunRow } from "./schedule-record";

export type RunWithJobStatus = ScheduleRunRow & { job_status: JobStatus | null };

const LIST_RUNS = `
  SELECT r.*, j.status AS job_status
  FROM schedule_runs r LEFT JOIN jobs j ON j.id = r.job_id
  WHERE r.schedule_id = ? AND r.organization_id = ? AND (?::timestamptz IS NULL OR r.fire_time < ?::timestamptz)
  ORDER BY r.fire_time DESC
  LIMIT ?`;

/** A schedule's runs, latest fire time first, `limit` of them before `before`, each with its job's status. */
export async function listRuns(
  db: Knex,
  organizationId: string,
  scheduleId: string,
  limit: number,
  before: Date | null,
): Promise<RunWithJobStatus[]> {
  const { rows } = await db.raw<{ rows: RunWithJobStatus[] }>(LIST_RUNS, [scheduleId, organizationId, before, before, limit]);
  return rows;
}
