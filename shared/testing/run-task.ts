import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { LoggerInstance, ServiceBroker } from "moleculer";
import type { z } from "zod";
import { Config, config } from "../../config";
import type { JobError } from "../db/jobs/job-record";
import type { Db } from "../db/knex";
import { assembleRuntime, provideRuntime } from "../engine/runtime";
import type { TaskDefinition } from "../engine/tasks/define-task";
import { JobCancelledError } from "../engine/tasks/task-errors";
import { runAttempt } from "../engine/worker/attempt-runner";

export interface RunTaskOptions {
  organizationId?: string;
  /** Overrides the task's own, as an enqueue may. */
  maxAttempts?: number;
  softTimeLimitMs?: number;
  timeLimitMs?: number;
  /** Wait the task's backoff between attempts (default false: retry at once, so tests stay fast). */
  waitBackoff?: boolean;
  /** Fire it to cancel the job: the running attempt's signal aborts with JobCancelledError and no attempt follows. */
  signal?: AbortSignal;
  /** For tasks that call other services through `ctx.broker`; by default a broker with no services. */
  broker?: ServiceBroker;
  /**
   * What `runtimeFor(ctx.broker)` gives the task: a runtime around the test's (migrated) database and
   * this configuration (default: the environment's). Its AMQP client is never started and its listener
   * connects only if the task listens, so a domain task runs against Postgres with no RabbitMQ. Without
   * it, a task that asks for the runtime creates the node's own, which connects to both.
   */
  runtime?: { db: Db; config?: Config };
}

export interface RecordedProgress {
  attempt: number;
  percent: number;
  step?: string;
  message?: string;
}

export interface RecordedLog {
  attempt: number;
  level: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
  message: string;
}

export interface TaskRun<Result> {
  status: "succeeded" | "failed" | "cancelled";
  result?: Result;
  /** The last attempt's error, as the job would record it. */
  error?: JobError;
  attempts: number;
  /** Each failed attempt's error, in order. */
  errors: JobError[];
  /** The backoff the worker would have waited before each retry, in ms. */
  delays: number[];
  progress: RecordedProgress[];
  logs: RecordedLog[];
}

/** Thrown when the payload does not fit the task's schema: what the API would answer 422 for. */
export class TaskPayloadError extends Error {
  override readonly name = "TaskPayloadError";
  constructor(
    message: string,
    readonly issues: z.ZodIssue[],
  ) {
    super(message);
  }
}

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;

function recordingLogger(logs: RecordedLog[], attempt: () => number): LoggerInstance {
  const logger = {} as Record<(typeof LEVELS)[number], (...args: unknown[]) => void>;
  for (const level of LEVELS) {
    logger[level] = (...args: unknown[]) => logs.push({ attempt: attempt(), level, message: args.map(String).join(" ") });
  }
  return logger as unknown as LoggerInstance;
}

/**
 * Runs a task defined with `defineTask` in this process, with no broker and no database (or the
 * test's, through `runtime`): Celery's `task_always_eager`. The payload is validated as the API
 * validates it; each attempt runs through the worker's own attempt runner (time limits, retry policy,
 * `willRetry`), with a real `ctx` whose progress and log lines are recorded. Retries follow the task's
 * policy, at once unless `waitBackoff`.
 *
 *   const run = await runTask(enrichIssue, { issueId, version: 1 }, { maxAttempts: 2 });
 *   expect(run).toMatchObject({ status: "succeeded", attempts: 1 });
 */
export async function runTask<Schema extends z.ZodTypeAny, Result>(
  task: TaskDefinition<Schema, Result>,
  payload: z.input<Schema>,
  options: RunTaskOptions = {},
): Promise<TaskRun<Result>> {
  const parsed = task.payload.safeParse(payload);
  if (!parsed.success) throw new TaskPayloadError(`Payload does not match task "${task.name}"`, parsed.error.issues);
  const broker = options.broker ?? new ServiceBroker({ logger: false, transporter: null, metrics: false });
  if (options.runtime) provideRuntime(broker, assembleRuntime(broker, options.runtime.config ?? config(), options.runtime.db));
  const job = {
    id: randomUUID(),
    task: task.name,
    payload: parsed.data,
    attempts: 0,
    max_attempts: options.maxAttempts ?? task.maxAttempts,
    claims: 0,
    soft_time_limit_ms: options.softTimeLimitMs ?? null,
    time_limit_ms: options.timeLimitMs ?? null,
  };
  const run: TaskRun<Result> = { status: "failed", attempts: 0, errors: [], delays: [], progress: [], logs: [] };
  const logger = recordingLogger(run.logs, () => job.attempts);
  while (!options.signal?.aborted) {
    job.attempts += 1;
    job.claims += 1;
    run.attempts = job.attempts;
    const controller = new AbortController();
    const cancel = () => controller.abort(new JobCancelledError("The job was cancelled"));
    options.signal?.addEventListener("abort", cancel, { once: true });
    const outcome = await runAttempt(job, task, {
      jobId: job.id,
      organizationId: options.organizationId ?? "00000000-0000-4000-8000-000000000000",
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      logger,
      broker,
      progress: async (percent, step, message) => void run.progress.push({ attempt: job.attempts, percent, step, message }),
    }, controller).finally(() => options.signal?.removeEventListener("abort", cancel));
    if (outcome.status === "succeeded") return { ...run, status: "succeeded", result: outcome.result as Result };
    run.errors.push(outcome.error);
    run.error = outcome.error;
    if (options.signal?.aborted) break;
    if (outcome.status !== "retrying") return run;
    const delay = Math.max(0, outcome.runAt.getTime() - Date.now());
    run.delays.push(delay);
    if (options.waitBackoff) await sleep(delay);
  }
  return { ...run, status: "cancelled" };
}
