import { z } from "zod";
import { declareTask } from "../../shared/engine/tasks/define-task";
import { QUEUE_ROUTES } from "./queue-routes";

/** Reads an ingestion run's source into ingested_records (services/ingestion.tasks.ts). */
export const ingest = declareTask(
  {
    name: "datasync.ingest",
    visibility: "internal",
    payload: z.object({ runId: z.string().uuid() }),
    maxAttempts: 5,
    backoff: { type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true },
  },
  QUEUE_ROUTES,
);

export const ingestionTasks = [ingest];
