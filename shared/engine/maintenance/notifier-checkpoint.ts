import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { writeCheckpoint } from "../../db/notifier-checkpoints";
import { PeriodicChore } from "./periodic-chore";

const CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * Saves the last announced job event every second and once more at stop, so a new notifier leader
 * carries on about where the old one stopped. Started before the listener and so stopped after it.
 */
export function notifierCheckpoint(options: {
  db: Knex;
  /** The checkpoint's row in notifier_checkpoints. */
  name: string;
  lastEventId(): string;
  logger: LoggerInstance;
}): PeriodicChore {
  const { db, name, lastEventId, logger } = options;
  return new PeriodicChore({
    name: "notifier checkpoint",
    intervalMs: CHECKPOINT_INTERVAL_MS,
    runAtStop: true,
    run: async () => {
      // The write keeps the greater id, so a save before the listener has read its start is harmless.
      await writeCheckpoint(db, name, lastEventId()).catch((error: Error) => logger.warn(`Could not save the notifier checkpoint: ${error.message}`));
    },
  });
}
