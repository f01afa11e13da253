import { ApiError, validationFailed } from "../../http/api-errors";
import type { TaskDeclaration } from "./define-task";

/** Who asks for a job: a tenant (REST, schedules) sees public tasks only; Conveyor's services see all. */
export type Requester = "tenant" | "service";

export interface JobTarget {
  task: string;
  payload?: unknown;
  queue?: string;
}

/**
 * Checks what a job request names against the catalog, as every enqueue path does (the REST API,
 * services, and a schedule when it is created): a task the requester may enqueue (422 UNKNOWN_TASK
 * otherwise; an internal task is unknown to tenants), a payload that fits it, and a queue override
 * that some task declares (422 UNKNOWN_QUEUE: no worker would consume any other).
 */
export function checkJobTarget(
  catalog: ReadonlyMap<string, TaskDeclaration>,
  target: JobTarget,
  requester: Requester,
): { task: TaskDeclaration; payload: unknown } {
  const visible = (task: TaskDeclaration) => requester === "service" || task.visibility === "public";
  const task = catalog.get(target.task);
  if (!task || !visible(task)) {
    const known = [...catalog.values()].filter(visible).map((each) => each.name);
    throw new ApiError(422, "UNKNOWN_TASK", `Unknown task "${target.task}"`, { known });
  }
  if (target.queue !== undefined) {
    const queues = new Set([...catalog.values()].map((each) => each.queue));
    if (!queues.has(target.queue)) {
      throw new ApiError(422, "UNKNOWN_QUEUE", `Unknown queue "${target.queue}": no task is routed there, so no worker would run the job`, {
        known: [...queues].sort(),
      });
    }
  }
  const payload = task.payload.safeParse(target.payload);
  if (!payload.success) throw validationFailed(`Payload does not match task "${task.name}"`, payload.error.issues);
  return { task, payload: payload.data };
}
