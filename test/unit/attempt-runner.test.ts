import { setTimeout as sleep } from "node:timers/promises";
import type { LoggerInstance, ServiceBroker } from "moleculer";
import { z } from "zod";
import type { JobRow } from "../../shared/db/jobs/job-record";
import { PermanentError, TransientError, WorkerShutdownError } from "../../shared/engine/tasks/task-errors";
import { AttemptContext, runAttempt } from "../../shared/engine/worker/attempt-runner";
import { defineTask, TaskDefinition } from "../../shared/engine/tasks/define-task";

const row = (overrides: Partial<JobRow> = {}): JobRow => ({
  id: "00000000-0000-4000-8000-000000000001",
  organization_id: "00000000-0000-4000-8000-000000000002",
  task: "test.task",
  queue: "default",
  payload: {},
  status: "running",
  attempts: 1,
  max_attempts: 3,
  claims: 1,
  interruptions: 0,
  worker: "node-1",
  concurrency_key: null,
  concurrency_limit: null,
  debounce_key: null,
  throttle_key: null,
  throttle_limit: null,
  throttle_period_ms: null,
  priority: 0,
  progress: null,
  result: null,
  error: null,
  idempotency_key: null,
  run_at: null,
  soft_time_limit_ms: null,
  time_limit_ms: null,
  callback_url: null,
  schedule_id: null,
  lease_expires_at: null,
  published_at: null,
  dead_lettered_at: null,
  created_at: new Date(),
  started_at: new Date(),
  finished_at: null,
  updated_at: new Date(),
  ...overrides,
});

const context: AttemptContext = {
  jobId: "j",
  organizationId: "o",
  attempt: 1,
  maxAttempts: 3,
  progress: async () => undefined,
  logger: {} as LoggerInstance,
  broker: {} as ServiceBroker,
};

const task = (run: TaskDefinition["run"], extra: Partial<Parameters<typeof defineTask>[0]> = {}) =>
  defineTask({ name: "test.task", payload: z.object({}), backoff: { jitter: false, baseMs: 100 }, ...extra, run });

describe("runAttempt", () => {
  it("reads neither the context's lazy logger nor the signal until the task does", async () => {
    const reads = { logger: 0, signal: 0 };
    const lazyContext: AttemptContext = {
      ...context,
      get logger() {
        reads.logger++;
        return {} as LoggerInstance;
      },
    };
    const controller = new AbortController();
    const counting = {
      get signal() {
        reads.signal++;
        return controller.signal;
      },
      abort: (reason: unknown) => controller.abort(reason),
    };
    await runAttempt(row(), task(async () => "untouched"), lazyContext, counting);
    expect(reads).toEqual({ logger: 0, signal: 0 });
    const seen = await runAttempt(row(), task(async (ctx) => [ctx.jobId, ctx.signal.aborted, typeof ctx.logger, ctx.willRetry(new Error("x"))]), lazyContext, counting);
    expect(seen).toMatchObject({ status: "succeeded", result: ["j", false, "object", true] });
    expect(reads.logger).toBe(1);
    expect(reads.signal).toBeGreaterThan(0);
  });

  it("reports success with the result", async () => {
    const outcome = await runAttempt(row(), task(async () => ({ ok: 1 })), context, new AbortController());
    expect(outcome).toEqual({ jobId: row().id, attempt: 1, claim: 1, status: "succeeded", result: { ok: 1 } });
  });

  it("schedules a retry with the backoff while attempts remain", async () => {
    const before = Date.now();
    const outcome = await runAttempt(row({ attempts: 2 }), task(async () => { throw new TransientError("later"); }), context, new AbortController());
    expect(outcome.status).toBe("retrying");
    if (outcome.status !== "retrying") return;
    expect(outcome.runAt.getTime() - before).toBeGreaterThanOrEqual(200);
    expect(outcome.error.type).toBe("TransientError");
  });

  it("fails when attempts are used up, and at once on a PermanentError", async () => {
    const transient = task(async () => { throw new TransientError("x"); });
    expect((await runAttempt(row({ attempts: 3 }), transient, context, new AbortController())).status).toBe("failed");
    const permanent = task(async () => { throw new PermanentError("bad"); });
    expect((await runAttempt(row(), permanent, context, new AbortController())).status).toBe("failed");
  });

  it("retries only the listed errors when retryOn is given", async () => {
    const picky = (error: Error) => task(async () => { throw error; }, { retryOn: [TransientError] });
    expect((await runAttempt(row(), picky(new TransientError("t")), context, new AbortController())).status).toBe("retrying");
    expect((await runAttempt(row(), picky(new TypeError("bug")), context, new AbortController())).status).toBe("failed");
  });

  it("tells the task whether a failure would be retried, by the same policy as the outcome", async () => {
    const answers = async (attempts: number, errors: Error[]) => {
      let seen: boolean[] = [];
      const asking = task(async (ctx) => { seen = errors.map((error) => ctx.willRetry(error)); return null; }, { retryOn: [TransientError] });
      await runAttempt(row({ attempts }), asking, context, new AbortController());
      return seen;
    };
    expect(await answers(1, [new TransientError("t"), new TypeError("bug"), new PermanentError("bad")])).toEqual([true, false, false]);
    expect(await answers(3, [new TransientError("t")])).toEqual([false]);
  });

  it("fails an invalid payload and an unknown task without retrying", async () => {
    const strict = defineTask({ name: "test.task", payload: z.object({ n: z.number() }), run: async () => null });
    const invalid = await runAttempt(row({ payload: { n: "x" } }), strict, context, new AbortController());
    expect(invalid.status).toBe("failed");
    const unknown = await runAttempt(row(), undefined, context, new AbortController());
    expect(unknown.status === "failed" && unknown.error.type).toBe("PermanentError");
  });

  it("aborts the signal at the soft limit and fails the attempt at the hard limit", async () => {
    const reasons: string[] = [];
    const slow = task(async (ctx) => {
      ctx.signal.addEventListener("abort", () => reasons.push((ctx.signal.reason as Error).name));
      await sleep(1_000);
      return "too late";
    }, { softTimeLimitMs: 20, timeLimitMs: 80 });
    const outcome = await runAttempt(row(), slow, context, new AbortController());
    expect(reasons).toEqual(["SoftTimeLimitExceededError"]);
    expect(outcome.status).toBe("retrying");
    expect(outcome.status !== "succeeded" && outcome.error.type).toBe("TimeLimitExceededError");
  });

  it("reports an attempt cut by a shutdown as interrupted, even on its last attempt, with its claim", async () => {
    const controller = new AbortController();
    const waits = task(async (ctx) => {
      await sleep(1_000, undefined, { signal: ctx.signal });
      return "finished";
    });
    const running = runAttempt(row({ attempts: 3, max_attempts: 3, claims: 7 }), waits, context, controller);
    controller.abort(new WorkerShutdownError("worker stopping"));
    const outcome = await running;
    expect(outcome).toMatchObject({ status: "interrupted", attempt: 3, claim: 7, error: { type: "WorkerShutdownError" } });
  });
});
