import { z } from "zod";
import { fail, sleepTask } from "../../services/demo.tasks";
import { config } from "../../config";
import { createDb } from "../../shared/db/knex";
import { runtimeFor } from "../../shared/engine/runtime";
import { defineTask } from "../../shared/engine/tasks/define-task";
import { TransientError } from "../../shared/engine/tasks/task-errors";
import { runTask, TaskPayloadError } from "../../shared/testing/run-task";

describe("runTask: a task run eagerly, in-process, with no broker, and no database unless the test gives one", () => {
  it("retries per the task's policy without waiting, and returns attempts, errors and the delays it skipped", async () => {
    const run = await runTask(fail, { failTimes: 2 });
    expect(run).toMatchObject({ status: "succeeded", result: { succeededOnAttempt: 3 }, attempts: 3 });
    expect(run.errors.map((error) => error.type)).toEqual(["TransientError", "TransientError"]);
    expect(run.delays).toHaveLength(2);
    expect(run.delays.every((delay) => delay > 0)).toBe(true);
  });

  it("fails at once on a PermanentError, and after maxAttempts on transient ones", async () => {
    expect(await runTask(fail, { failTimes: -1, permanent: true })).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError", retryable: false } });
    expect(await runTask(fail, { failTimes: -1 }, { maxAttempts: 2 })).toMatchObject({ status: "failed", attempts: 2, error: { type: "TransientError" } });
  });

  it("validates the payload as the API does", async () => {
    await expect(runTask(sleepTask, { ms: -5 })).rejects.toBeInstanceOf(TaskPayloadError);
  });

  it("records progress and log lines, and cancels through the signal the test fires", async () => {
    const controller = new AbortController();
    const running = runTask(sleepTask, { ms: 60_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const run = await running;
    expect(run).toMatchObject({ status: "cancelled", attempts: 1, error: { type: "JobCancelledError" } });
    expect(run.progress).toEqual([{ attempt: 1, percent: 0, step: "sleeping", message: undefined }]);
    expect(run.logs).toEqual([{ attempt: 1, level: "info", message: "sleeping 60000 ms" }]);
  });

  it("applies time limits and tells the task whether it will be retried (ctx.willRetry)", async () => {
    const seen: boolean[] = [];
    const flaky = defineTask({
      name: "test.flaky",
      payload: z.object({}),
      maxAttempts: 2,
      async run(ctx) {
        const error = new TransientError(`attempt ${ctx.attempt}`);
        seen.push(ctx.willRetry(error));
        throw error;
      },
    });
    expect(await runTask(flaky, {})).toMatchObject({ status: "failed", attempts: 2 });
    expect(seen).toEqual([true, false]);
    const timed = await runTask(sleepTask, { ms: 10_000 }, { timeLimitMs: 50, maxAttempts: 1 });
    expect(timed).toMatchObject({ status: "failed", error: { type: "TimeLimitExceededError" } });
  });

  it("gives a task that asks for the node's runtime the test's database and configuration, with RabbitMQ never connected", async () => {
    const db = createDb(); // knex connects on its first query: this test makes none
    const probe = defineTask({
      name: "test.runtime",
      payload: z.object({}),
      async run(ctx) {
        const runtime = await runtimeFor(ctx.broker);
        return { sameDb: runtime.db === db, uploadDir: runtime.config.UPLOAD_DIR, amqpConnected: runtime.amqp.connected };
      },
    });
    try {
      const run = await runTask(probe, {}, { runtime: { db, config: { ...config(), UPLOAD_DIR: "/elsewhere" } } });
      expect(run).toMatchObject({ status: "succeeded", result: { sameDb: true, uploadDir: "/elsewhere", amqpConnected: false } });
    } finally {
      await db.destroy();
    }
  });
});
