import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { pruneRuns } from "../../db/schedules/prune-runs";
import { PeriodicChore } from "./periodic-chore";

const RUN_RETENTION_MS = 7 * 24 * 3_600_000;
const PRUNE_EVERY_MS = 60_000;
const PRUNE_BATCH = 5_000;

/** Deletes schedule runs older than a week, a batch a minute; the scheduler's leader runs it. */
export function scheduleRunPruner(options: { db: Knex; logger: LoggerInstance }): PeriodicChore {
  const { db, logger } = options;
  return new PeriodicChore({
    name: "schedule run pruner",
    intervalMs: PRUNE_EVERY_MS,
    runAtStart: true,
    run: async () => {
      try {
        const pruned = await pruneRuns(db, RUN_RETENTION_MS, PRUNE_BATCH);
        if (pruned > 0) logger.info(`Pruned ${pruned} schedule runs older than ${RUN_RETENTION_MS / 86_400_000} days`);
      } catch (error) {
        logger.warn("Pruning old schedule runs failed", error);
      }
    },
  });
}
