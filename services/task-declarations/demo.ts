import { z } from "zod";
import { declareTask } from "../../shared/engine/tasks/define-task";
import { QUEUE_ROUTES } from "./queue-routes";

/** Built-in tasks to exercise and benchmark the pipeline without any domain service. */

export const echo = declareTask({ name: "demo.echo", payload: z.object({ text: z.string().max(10_000) }).passthrough() }, QUEUE_ROUTES);

export const sleepTask = declareTask(
  { name: "demo.sleep", payload: z.object({ ms: z.number().int().min(0).max(600_000) }), timeLimitMs: 900_000 },
  QUEUE_ROUTES,
);

/**
 * Fails on purpose: the first `failTimes` attempts throw (TransientError, or PermanentError when
 * `permanent`), later ones succeed. `failTimes: -1` fails every attempt.
 */
export const fail = declareTask(
  {
    name: "demo.fail",
    payload: z.object({
      failTimes: z.number().int().min(-1).default(-1),
      permanent: z.boolean().default(false),
      message: z.string().max(1_000).default("demo failure"),
    }),
    maxAttempts: 3,
    backoff: { type: "exponential", baseMs: 300, maxMs: 5_000, jitter: false },
  },
  QUEUE_ROUTES,
);

export const demoTasks = [echo, sleepTask, fail];
