import type { Knex } from "knex";

const PRUNE_RUNS = `
  DELETE FROM schedule_runs
  WHERE id IN (SELECT id FROM schedule_runs WHERE fire_time < clock_timestamp() - ? * interval '1 millisecond' LIMIT ?)`;

/**
 * Deletes up to `limit` runs whose fire time is older than `retentionMs`; returns how many. Old runs
 * only serve as history: the schedule's next_run_at has long moved past them.
 */
export async function pruneRuns(db: Knex, retentionMs: number, limit: number): Promise<number> {
  const result = await db.raw<{ rowCount: number }>(PRUNE_RUNS, [retentionMs, limit]);
  return result.rowCount;
}
