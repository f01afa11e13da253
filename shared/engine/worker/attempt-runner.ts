import { types } from "node:util";
import type { AttemptOutcome } from "../../db/jobs/finish-jobs";
import type { JobError, JobRow } from "../../db/jobs/job-record";
import { PermanentError, SoftTimeLimitExceededError, TimeLimitExceededError, WorkerShutdownError } from "../tasks/task-errors";
import { backoffDelay } from "../retries/backoff";
import type { TaskDefinition } from "../tasks/define-task";
import type { TaskContext } from "../tasks/task-context";

/** How an attempt is aborted: an AbortController, or the worker's LazyAbort. */
export interface AttemptAbort {
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
}

/** What the worker gives an attempt; the attempt runner adds the signal and `willRetry`. */
export type AttemptContext = Omit<TaskContext, "signal" | "willRetry">;

/** What of a job an attempt reads (a claimed row, or the test harness's stand-in). */
export type AttemptJob = Pick<JobRow, "id" | "task" | "payload" | "attempts" | "max_attempts" | "claims" | "soft_time_limit_ms" | "time_limit_ms">;

/**
 * Runs one attempt of a claimed job and says how it ended. Never throws. An attempt cut short by the
 * worker's shutdown is `interrupted`, whatever the task's retry policy: it was not the task's fault.
 */
export async function runAttempt(
  job: AttemptJob,
  task: TaskDefinition | undefined,
  context: AttemptContext,
  controller: AttemptAbort,
): Promise<AttemptOutcome> {
  const base = { jobId: job.id, attempt: job.attempts, claim: job.claims };
  // A task that stops because its signal fired usually throws a generic AbortError; the reason
  // (cancel, time limit, shutdown) is what the job's record should say.
  const failureOf = (thrown: unknown): Error => {
    const reason: unknown = controller.signal.reason;
    if (isError(thrown) && thrown.name === "AbortError" && controller.signal.aborted && isError(reason)) return reason;
    return isError(thrown) ? thrown : new Error(String(thrown));
  };
  const willRetry = (thrown: unknown) => task !== undefined && isRetryable(failureOf(thrown), task) && job.attempts < job.max_attempts;
  try {
    if (!task) throw new PermanentError(`No worker here knows task "${job.task}"`);
    const parsed = task.payload.safeParse(job.payload);
    if (!parsed.success) throw new PermanentError("Payload does not match the task's schema", parsed.error.issues);
    const result = await withTimeLimits(
      () => task.run(new AttemptTaskContext(context, controller, willRetry), parsed.data),
      controller,
      job.soft_time_limit_ms ?? task.softTimeLimitMs,
      job.time_limit_ms ?? task.timeLimitMs,
    );
    return { ...base, status: "succeeded", result: result ?? null };
  } catch (thrown) {
    const failure = failureOf(thrown);
    const error: JobError = { type: failure.name, message: failure.message, stack: failure.stack, retryable: isRetryable(failure, task) };
    if (failure instanceof WorkerShutdownError) return { ...base, status: "interrupted", error };
    if (!task || !willRetry(thrown)) return { ...base, status: "failed", error };
    const delay = backoffDelay(task.backoff, job.attempts);
    return { ...base, status: "retrying", error, runAt: new Date(Date.now() + delay) };
  }
}

/**
 * The context a task sees: the given context's values, with its logger read only when the task
 * reads it (the worker makes a job logger lazily) and the signal too (the worker's LazyAbort makes an
 * AbortController only if the task reads it). A class, not a copy of property descriptors: one
 * shape for every job, which V8 builds and reads far faster (it was the worker's top function).
 */
class AttemptTaskContext implements TaskContext {
  readonly jobId: string;
  readonly organizationId: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly broker: TaskContext["broker"];
  readonly progress: TaskContext["progress"];

  constructor(
    private readonly context: AttemptContext,
    private readonly controller: AttemptAbort,
    readonly willRetry: TaskContext["willRetry"],
  ) {
    this.jobId = context.jobId;
    this.organizationId = context.organizationId;
    this.attempt = context.attempt;
    this.maxAttempts = context.maxAttempts;
    this.broker = context.broker;
    this.progress = context.progress;
  }

  get logger(): TaskContext["logger"] {
    return this.context.logger;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

/** Node's own errors (AbortError from timers, fetch) come from another realm under a VM sandbox. */
const isError = (value: unknown): value is Error => value instanceof Error || types.isNativeError(value);

function isRetryable(error: Error, task: TaskDefinition | undefined): boolean {
  if (error instanceof PermanentError) return false;
  // Running out of time or being interrupted by a shutdown says nothing about the job: always retry.
  if (error instanceof TimeLimitExceededError || error instanceof WorkerShutdownError || !task?.retryOn) return true;
  return task.retryOn.some((errorClass) => error instanceof errorClass);
}

async function withTimeLimits<T>(
  body: () => Promise<T>,
  controller: AttemptAbort,
  softLimitMs: number | null | undefined,
  hardLimitMs: number | null | undefined,
): Promise<T> {
  const timers: NodeJS.Timeout[] = [];
  try {
    if (softLimitMs) {
      timers.push(setTimeout(() => controller.abort(new SoftTimeLimitExceededError(`soft time limit ${softLimitMs} ms`)), softLimitMs));
    }
    if (!hardLimitMs) return await body();
    const hardLimit = new Promise<never>((_, reject) => {
      timers.push(
        setTimeout(() => {
          const error = new TimeLimitExceededError(`time limit ${hardLimitMs} ms exceeded`);
          controller.abort(error);
          reject(error);
        }, hardLimitMs),
      );
    });
    return await Promise.race([body(), hardLimit]);
  } finally {
    timers.forEach(clearTimeout);
  }
}
