/** The queue a task's jobs go to unless the task or the enqueue names another: its name's prefix. */
const QUEUE_BY_PREFIX: Record<string, string> = {
  ai: "ai",
  datasync: "datasync",
  documents: "documents",
};

export const DEFAULT_QUEUE = "default";

export function queueForTask(taskName: string): string {
  const prefix = taskName.split(".", 1)[0];
  return QUEUE_BY_PREFIX[prefix] ?? DEFAULT_QUEUE;
}
