import type { Knex } from "knex";
import type { ScheduleRow } from "./schedule-record";

export interface DueSchedules {
  rows: ScheduleRow[];
  /** Postgres's clock when the rows were picked: the one clock every replica shares. */
  now: Date;
}

const LOCK_DUE_SCHEDULES = `
  WITH clock AS (SELECT clock_timestamp() AS now)
  SELECT s.*, clock.now AS db_now
  FROM schedules s, clock
  WHERE s.next_run_at <= clock.now
  ORDER BY s.next_run_at
  LIMIT ?
  FOR UPDATE OF s SKIP LOCKED`;

/**
 * Locks up to `limit` due schedules for the caller's transaction, earliest first. SKIP LOCKED: rows
 * another scheduler (a deposed leader that has not noticed yet) is firing are left to it.
 */
export async function lockDueSchedules(trx: Knex.Transaction, limit: number): Promise<DueSchedules> {
  const { rows } = await trx.raw<{ rows: (ScheduleRow & { db_now: Date })[] }>(LOCK_DUE_SCHEDULES, [limit]);
  const now = rows[0]?.db_now ?? new Date();
  return { rows: rows.map(({ db_now: _, ...row }) => row), now };
}
