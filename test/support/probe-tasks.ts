import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceSchema } from "moleculer";
import { z } from "zod";
import { taskCatalog } from "../../services/task-catalog";
import { defineTask } from "../../shared/engine/tasks/define-task";

/** Test-only tasks on their own queue that record what happened to them, for assertions. */
export const probe = {
  runs: new Map<string, number>(),
  abortReasons: new Map<string, string>(),
};

export const countedTask = defineTask({
  name: "probe.counted",
  queue: "isolated",
  payload: z.object({ ms: z.number().int().min(0) }),
  async run(ctx, { ms }) {
    probe.runs.set(ctx.jobId, (probe.runs.get(ctx.jobId) ?? 0) + 1);
    await sleep(ms);
    return { ran: true };
  },
});

export const cancellableTask = defineTask({
  name: "probe.cancellable",
  queue: "isolated",
  payload: z.object({}),
  async run(ctx) {
    probe.runs.set(ctx.jobId, (probe.runs.get(ctx.jobId) ?? 0) + 1);
    await ctx.progress(10, "waiting for cancel");
    try {
      await sleep(30_000, undefined, { signal: ctx.signal });
    } catch (error) {
      probe.abortReasons.set(ctx.jobId, (ctx.signal.reason as Error).name);
      throw error;
    }
    return { cancelled: false };
  },
});

/** A task that ignores its abort signal: it runs `ms` whatever happens, and returns which run it was. */
export const stubbornTask = defineTask({
  name: "probe.stubborn",
  queue: "isolated",
  payload: z.object({ ms: z.number().int().min(0) }),
  async run(ctx, { ms }) {
    const run = (probe.runs.get(ctx.jobId) ?? 0) + 1;
    probe.runs.set(ctx.jobId, run);
    await sleep(ms);
    return { run };
  },
});

const probeTasks = [countedTask, cancellableTask, stubbornTask];

/** A service that runs the probe tasks; the jobs service learns them through the catalog. */
export function probeService(): ServiceSchema {
  for (const task of probeTasks) taskCatalog.set(task.name, task);
  return { name: "probe", tasks: probeTasks };
}
