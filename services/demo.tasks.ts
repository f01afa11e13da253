import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { PermanentError, TransientError } from "../shared/engine/tasks/task-errors";
import { defineTask } from "../shared/engine/tasks/define-task";

/** Built-in tasks to exercise and benchmark the pipeline without any domain service. */

export const echo = defineTask({
  name: "demo.echo",
  payload: z.object({ text: z.string().max(10_000) }).passthrough(),
  async run(_ctx, payload) {
    return payload;
  },
});

export const sleepTask = defineTask({
  name: "demo.sleep",
  payload: z.object({ ms: z.number().int().min(0).max(600_000) }),
  timeLimitMs: 900_000,
  async run(ctx, { ms }) {
    ctx.logger.info(`sleeping ${ms} ms`);
    await ctx.progress(0, "sleeping");
    await sleep(ms, undefined, { signal: ctx.signal });
    return { sleptMs: ms };
  },
});

/**
 * Fails on purpose: the first `failTimes` attempts throw (TransientError, or PermanentError when
 * `permanent`), later ones succeed. `failTimes: -1` fails every attempt.
 */
export const fail = defineTask({
  name: "demo.fail",
  payload: z.object({
    failTimes: z.number().int().min(-1).default(-1),
    permanent: z.boolean().default(false),
    message: z.string().max(1_000).default("demo failure"),
  }),
  maxAttempts: 3,
  backoff: { type: "exponential", baseMs: 300, maxMs: 5_000, jitter: false },
  async run(ctx, { failTimes, permanent, message }) {
    if (failTimes === -1 || ctx.attempt <= failTimes) {
      throw permanent ? new PermanentError(message) : new TransientError(`${message} (attempt ${ctx.attempt})`);
    }
    return { succeededOnAttempt: ctx.attempt };
  },
});

export const demoTasks = [echo, sleepTask, fail];
