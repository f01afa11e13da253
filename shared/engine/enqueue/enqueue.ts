import type { ServiceBroker } from "moleculer";
import type { z } from "zod";
import type { PublicJob } from "../../db/jobs/job-record";
import { EnqueueRequest, enqueueRequestSchema, MAX_BULK_JOBS } from "./enqueue-request";
import type { TaskDeclaration } from "../tasks/define-task";

export type EnqueueOptions = Partial<Omit<EnqueueRequest, "task" | "payload">>;
/** `jobs.enqueue` params before the jobs service fills in defaults. */
type EnqueueParams = z.input<typeof enqueueRequestSchema>;

/** Anything that can call a Moleculer action: the broker, or a Context inside an action or task. */
interface Caller {
  call: ServiceBroker["call"];
}

/** One job for `enqueueMany()`, built by `jobFor()` so that its payload is checked against its task. */
export interface TypedJob {
  readonly request: EnqueueParams;
}

/** Who fires a job besides its organization: the schedule whose run it is. */
export interface EnqueueMeta {
  scheduleId?: string;
}

/** A job of a task with a payload that fits the task's schema at compile time. */
export function jobFor<Schema extends z.ZodTypeAny>(task: TaskDeclaration<Schema>, payload: z.input<Schema>, options: EnqueueOptions = {}): TypedJob {
  return { request: { task: task.name, payload, ...options } };
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
  task: TaskDeclaration<Schema>,
  payload: z.input<Schema>,
  options: EnqueueOptions = {},
): Promise<{ job: PublicJob; created: boolean }> {
  return enqueueRequest(caller, organizationId, jobFor(task, payload, options).request);
}

/**
 * Enqueues several jobs: the jobs service writes each call's jobs in one batch with one publish round,
 * and answers them in order. More than the bulk cap (MAX_BULK_JOBS) go in calls of that size, one
 * after another; a failing call throws, and the calls before it stay enqueued.
 *
 *   await enqueueMany(ctx, organizationId, [jobFor(enrichIssue, { issueId, version }), jobFor(notifyIssueCreated, { issueId })]);
 */
export async function enqueueMany(caller: Caller, organizationId: string, jobs: readonly TypedJob[]): Promise<{ jobs: (PublicJob & { created: boolean })[] }> {
  const answered: (PublicJob & { created: boolean })[] = [];
  for (let start = 0; start < jobs.length; start += MAX_BULK_JOBS) {
    const chunk = jobs.slice(start, start + MAX_BULK_JOBS).map((job) => job.request);
    const answer: { jobs: (PublicJob & { created: boolean })[] } = await caller.call("jobs.enqueueMany", { jobs: chunk }, { meta: { organizationId } });
    answered.push(...answer.jobs);
  }
  return { jobs: answered };
}

/**
 * Enqueues a request whose task is only known at run time (a schedule's stored task name); the jobs
 * service checks it against the catalog and refuses it with a 422 when it does not fit.
 */
export function enqueueRequest(
  caller: Caller,
  organizationId: string,
  request: EnqueueParams,
  meta: EnqueueMeta = {},
): Promise<{ job: PublicJob; created: boolean }> {
  return caller.call("jobs.enqueue", request, { meta: { ...meta, organizationId } });
}
