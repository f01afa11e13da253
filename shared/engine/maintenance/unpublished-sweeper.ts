import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { lockUnpublishedJobs } from "../../db/jobs/mark-published";
import type { JobEnqueuer } from "../enqueue/job-enqueuer";
import { PeriodicChore } from "./periodic-chore";

const SWEEP_BATCH = 1_000;

/**
 * Publishes jobs whose message the broker never confirmed (it was down, or we crashed between commit
 * and confirm), every `intervalMs`. Rows are locked with SKIP LOCKED, so every jobs service may sweep.
 */
export function unpublishedSweeper(options: { db: Knex; enqueuer: JobEnqueuer; intervalMs: number; logger: LoggerInstance }): PeriodicChore {
  const { db, enqueuer, intervalMs, logger } = options;
  return new PeriodicChore({
    name: "unpublished sweeper",
    intervalMs,
    run: async () => {
      try {
        await db.transaction(async (trx) => {
          const rows = await lockUnpublishedJobs(trx, intervalMs, SWEEP_BATCH);
          if (rows.length === 0) return;
          logger.warn(`Sweeper republishing ${rows.length} jobs that RabbitMQ never confirmed`);
          await enqueuer.publishCreated(rows, trx);
        });
      } catch (error) {
        logger.warn("Sweep of unpublished jobs failed", error);
      }
    },
  });
}
