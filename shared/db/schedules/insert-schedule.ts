import type { Knex } from "knex";
import { scheduleFieldBindings, ScheduleFields, ScheduleRow } from "./schedule-record";
import { withChangeNotify } from "./schedule-changes";

const INSERT_SCHEDULE = withChangeNotify(`
  INSERT INTO schedules (organization_id, name, task, payload, queue, priority, options, kind, cron, timezone,
                         interval_ms, run_at, enabled, start_at, expires_at, max_runs, missed_run_policy, next_run_at)
  VALUES (?, ?, ?, ?::jsonb, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
  RETURNING *`);

/** Creates a schedule; a name already used in the organization fails with Postgres code 23505. */
export async function insertSchedule(db: Knex, organizationId: string, fields: ScheduleFields): Promise<ScheduleRow> {
  const { rows } = await db.raw<{ rows: ScheduleRow[] }>(INSERT_SCHEDULE, [
    organizationId,
    ...scheduleFieldBindings(fields),
  ]);
  return rows[0];
}
