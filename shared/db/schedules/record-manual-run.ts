import type { Knex } from "knex";
import type { ScheduleRunRow } from "./schedule-record";

const RECORD_MANUAL_RUN = `
  WITH run AS (
    INSERT INTO schedule_runs (schedule_id, organization_id, fire_time, trigger)
    SELECT id, organization_id, date_trunc('milliseconds', clock_timestamp()), 'manual'
    FROM schedules WHERE id = ? AND organization_id = ?
    ON CONFLICT (schedule_id, fire_time) DO NOTHING
    RETURNING *
  ),
  counted AS (
    UPDATE schedules s SET total_run_count = s.total_run_count + 1, last_run_at = run.fire_time
    FROM run WHERE s.id = run.schedule_id
    RETURNING s.id
  )
  SELECT * FROM run WHERE (SELECT count(*) FROM counted) >= 0`;

/**
 * Records a run requested by a client ("run now") at the current millisecond, and counts it.
 * Undefined when the schedule does not exist (or, very rarely, a run already has this exact fire time).
 */
export async function recordManualRun(db: Knex, organizationId: string, scheduleId: string): Promise<ScheduleRunRow | undefined> {
  const { rows } = await db.raw<{ rows: ScheduleRunRow[] }>(RECORD_MANUAL_RUN, [scheduleId, organizationId]);
  return rows[0];
}
