import type { ServiceBroker } from "moleculer";
import type { z } from "zod";
import type { PublicJob } from "../../db/jobs/job-record";
import type { EnqueueRequest } from "./enqueue-request";
import type { TaskDefinition } from "../tasks/define-task";

export type EnqueueOptions = Partial<Omit<EnqueueRequest, "task" | "payload">>;

/** Anything that can call a Moleculer action: the broker, or a Context inside an action or task. */
interface Caller {
  call: ServiceBroker["call"];
}

/**
 * Enqueues a job from TypeScript, typed by its task: the payload must match the task's schema at
 * compile time (and is validated again by the jobs service).
 *
 *   await enqueue(ctx, organizationId, enrichIssue, { issueId }, { idempotencyKey: issueId });
 */
export function enqueue<Schema extends z.ZodTypeAny>(
  caller: Caller,
  organizationId: string,
  task: TaskDefinition<Schema>,
  payload: z.input<Schema>,
  options: EnqueueOptions = {},
): Promise<{ job: PublicJob; created: boolean }> {
  return caller.call("jobs.enqueue", { task: task.name, payload, ...options }, { meta: { organizationId } });
}
