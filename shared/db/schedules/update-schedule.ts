import type { Knex } from "knex";
import { scheduleFieldBindings, ScheduleFields, ScheduleRow } from "./schedule-record";
import { withChangeNotify } from "./schedule-changes";

const UPDATE_SCHEDULE = withChangeNotify(`
  UPDATE schedules
  SET name = ?, task = ?, payload = ?::jsonb, queue = ?, priority = ?, options = ?::jsonb, kind = ?, cron = ?,
      timezone = ?, interval_ms = ?, run_at = ?, enabled = ?, start_at = ?, expires_at = ?, max_runs = ?,
      missed_run_policy = ?, next_run_at = ?, updated_at = now()
  WHERE id = ? AND organization_id = ?
  RETURNING *`);

/**
 * Writes every client-set column of a schedule (edit, pause, resume). Callers read the row with
 * `findSchedule(..., { lock: true })` in the same transaction first. Undefined when there is no such schedule.
 */
export async function updateSchedule(
  db: Knex,
  organizationId: string,
  id: string,
  fields: ScheduleFields,
): Promise<ScheduleRow | undefined> {
  const { rows } = await db.raw<{ rows: ScheduleRow[] }>(UPDATE_SCHEDULE, [
    ...scheduleFieldBindings(fields),
    id,
    organizationId,
  ]);
  return rows[0];
}
