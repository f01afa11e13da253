import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { lockUnpublishedJobs } from "../../db/jobs/mark-published";
import type { JobEnqueuer } from "../enqueue/job-enqueuer";
import { PeriodicChore } from "./periodic-chore";

const SWEEP_BATCH = 1_000;

/**
 * Every `intervalMs`: sends again the jobs whose publish failed in this process, then the jobs any
 * process left without a message: waiting and unclaimed for `republishAfterMs` with no message sent
 * since (a process died between commit and confirm, or a message was lost), and detached attempts
 * whose worker was lost. A job that was only waiting in a long queue gets one extra message, which
 * its claim drops. Rows are locked with SKIP LOCKED, so every jobs service may sweep.
 */
export function unpublishedSweeper(options: {
  db: Knex;
  enqueuer: JobEnqueuer;
  intervalMs: number;
  republishAfterMs: number;
  logger: LoggerInstance;
}): PeriodicChore {
  const { db, enqueuer, intervalMs, republishAfterMs, logger } = options;
  return new PeriodicChore({
    name: "unpublished sweeper",
    intervalMs,
    run: async () => {
      try {
        await enqueuer.retryUnconfirmed();
        await db.transaction(async (trx) => {
          const rows = await lockUnpublishedJobs(trx, republishAfterMs, SWEEP_BATCH);
          if (rows.length === 0) return;
          logger.warn(`Sweeper republishing ${rows.length} jobs left without a message`);
          await enqueuer.republish(rows, trx);
        });
      } catch (error) {
        logger.warn("Sweep of unpublished jobs failed", error);
      }
    },
  });
}
