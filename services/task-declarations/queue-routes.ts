import type { QueueRoutes } from "../../shared/engine/tasks/queue-routing";

/**
 * Tasks go to the queue named for their domain, so one slow domain never holds up another, and a
 * process can consume only some (WORKER_QUEUES). A task not listed here goes to the default queue
 * unless its declaration names a queue.
 */
export const QUEUE_ROUTES: QueueRoutes = {
  ai: "ai",
  datasync: "datasync",
  documents: "documents",
};
