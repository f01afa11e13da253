import type { Knex } from "knex";
import { pgArray } from "../pg-array";
import type { ScheduleRunRow } from "./schedule-record";

export interface NewRun {
  scheduleId: string;
  organizationId: string;
  fireTime: Date;
  coalescedRuns: number;
}

const RECORD_RUNS = `
  INSERT INTO schedule_runs (schedule_id, organization_id, fire_time, coalesced_runs, trigger)
  SELECT *, 'schedule' FROM unnest(?::uuid[], ?::uuid[], ?::timestamptz[], ?::int[])
  ON CONFLICT (schedule_id, fire_time) DO NOTHING
  RETURNING *`;

/**
 * Records scheduled runs. A (schedule, fire time) that already has a run is not recorded again and is
 * not returned: only the runs returned here may be enqueued.
 */
export async function recordRuns(db: Knex, runs: NewRun[]): Promise<ScheduleRunRow[]> {
  if (runs.length === 0) return [];
  const { rows } = await db.raw<{ rows: ScheduleRunRow[] }>(RECORD_RUNS, [
    pgArray(runs.map((run) => run.scheduleId)),
    pgArray(runs.map((run) => run.organizationId)),
    pgArray(runs.map((run) => run.fireTime)),
    pgArray(runs.map((run) => run.coalescedRuns)),
  ]);
  return rows;
}
