/**
 * Which queue a task's jobs go to by its name's prefix (`{ ai: "ai" }` sends `ai.*` to the ai queue).
 * The routes are declared with the tasks (services/task-declarations/queue-routes.ts): the engine knows
 * no domain's name.
 */
export type QueueRoutes = Readonly<Record<string, string>>;

export const DEFAULT_QUEUE = "default";

/** The queue a task's jobs go to unless the task or the enqueue names another. */
export function queueForTask(taskName: string, routes: QueueRoutes): string {
  const prefix = taskName.split(".", 1)[0];
  return Object.hasOwn(routes, prefix) ? routes[prefix] : DEFAULT_QUEUE;
}
