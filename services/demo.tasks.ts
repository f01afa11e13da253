import { setTimeout as sleep } from "node:timers/promises";
import { PermanentError, TransientError } from "../shared/engine/tasks/task-errors";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/demo";

/** Built-in tasks to exercise and benchmark the pipeline without any domain service. */

export const echo = defineTask({
  ...declared.echo,
  async run(_ctx, payload) {
    return payload;
  },
});

export const sleepTask = defineTask({
  ...declared.sleepTask,
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
  ...declared.fail,
  async run(ctx, { failTimes, permanent, message }) {
    if (failTimes === -1 || ctx.attempt <= failTimes) {
      throw permanent ? new PermanentError(message) : new TransientError(`${message} (attempt ${ctx.attempt})`);
    }
    return { succeededOnAttempt: ctx.attempt };
  },
});

export const demoTasks = [echo, sleepTask, fail];
