import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export interface ScheduleAdvance {
  id: string;
  nextRunAt: Date | null;
  /** The latest fire time recorded now, or null when nothing fired. */
  lastRunAt: Date | null;
  /** Runs recorded now. */
  runs: number;
}

const ADVANCE_SCHEDULES = `
  UPDATE schedules s
  SET next_run_at = a.next_run_at,
      last_run_at = COALESCE(a.last_run_at, s.last_run_at),
      total_run_count = s.total_run_count + a.runs
  FROM unnest(?::uuid[], ?::timestamptz[], ?::timestamptz[], ?::int[]) AS a(id, next_run_at, last_run_at, runs)
  WHERE s.id = a.id`;

/** Moves fired schedules on: their next fire time, last run and run count, in one statement. */
export async function advanceSchedules(db: Knex, advances: ScheduleAdvance[]): Promise<void> {
  if (advances.length === 0) return;
  await db.raw(ADVANCE_SCHEDULES, [
    pgArray(advances.map((advance) => advance.id)),
    pgArray(advances.map((advance) => advance.nextRunAt)),
    pgArray(advances.map((advance) => advance.lastRunAt)),
    pgArray(advances.map((advance) => advance.runs)),
  ]);
}
