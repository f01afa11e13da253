import { z } from "zod";
import { declareTask } from "../../shared/engine/tasks/define-task";
import { TransientError } from "../../shared/engine/tasks/task-errors";
import { QUEUE_ROUTES } from "./queue-routes";

/** Processes one uploaded document (services/documents.tasks.ts); only transient failures are retried. */
export const processDocument = declareTask(
  {
    name: "documents.process",
    visibility: "internal",
    payload: z.object({ documentId: z.string().uuid() }),
    maxAttempts: 4,
    backoff: { type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true },
    retryOn: [TransientError],
    // A safety net above the size limits (DOCUMENT_MAX_*): an attempt that hangs anyway is stopped.
    // The documents service gives each job DOCUMENT_TIME_LIMIT_MS; this is the catalog's default.
    timeLimitMs: 30 * 60_000,
  },
  QUEUE_ROUTES,
);

export const documentTasks = [processDocument];
