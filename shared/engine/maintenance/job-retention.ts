import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { deleteExpiredJobs, JobRetention } from "../../db/jobs/delete-expired-jobs";
import { vacuumJobTables } from "../../db/jobs/vacuum-job-tables";
import { PeriodicChore } from "./periodic-chore";

const RUN_EVERY_MS = 60_000;
const DELETE_BATCH = 5_000;
/** One run stops after this long, so a large backlog is worked off over several runs, not in one. */
const RUN_BUDGET_MS = 10_000;

/**
 * Deletes finished jobs past their retention (JOB_RETENTION_SUCCEEDED_MS, JOB_RETENTION_FAILED_MS),
 * in batches until none are left or the run's budget is spent, so the jobs and job_events tables
 * stay the size of the retention window whatever the throughput; a run that deleted anything then
 * vacuums them, so their files stay that size too. Every jobs service runs it: the batches lock
 * with SKIP LOCKED.
 */
export function jobRetention(options: { db: Knex; retention: JobRetention; logger: LoggerInstance }): PeriodicChore {
  const { db, retention, logger } = options;
  return new PeriodicChore({
    name: "job retention",
    intervalMs: RUN_EVERY_MS,
    runAtStart: true,
    run: async () => {
      const stopAt = Date.now() + RUN_BUDGET_MS;
      let deleted = 0;
      try {
        for (let batch = DELETE_BATCH; batch === DELETE_BATCH && Date.now() < stopAt; ) {
          batch = await deleteExpiredJobs(db, retention, DELETE_BATCH);
          deleted += batch;
        }
        if (deleted > 0) await vacuumJobTables(db);
      } catch (error) {
        logger.warn("Deleting expired jobs failed", error);
      }
      if (deleted > 0) logger.info(`Deleted ${deleted} finished jobs past their retention`);
    },
  });
}
