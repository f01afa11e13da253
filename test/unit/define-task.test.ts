import { z } from "zod";
import { QUEUE_ROUTES } from "../../services/task-declarations/queue-routes";
import { declareTask, defineTask, taskRegistry } from "../../shared/engine/tasks/define-task";

const run = async () => null;

describe("defineTask", () => {
  it("fills in defaults and derives the queue from the name", () => {
    const task = defineTask({ name: "ai.enrich_issue", payload: z.object({}), run }, QUEUE_ROUTES);
    expect(task.queue).toBe("ai");
    expect(task.maxAttempts).toBe(3);
    expect(task.backoff).toEqual({ type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true });
  });

  it("lets the task override queue and parts of the backoff", () => {
    const task = defineTask({ name: "ai.enrich_issue", queue: "gpu", backoff: { baseMs: 50 }, payload: z.object({}), run });
    expect(task.queue).toBe("gpu");
    expect(task.backoff.baseMs).toBe(50);
    expect(task.backoff.maxMs).toBe(60_000);
  });

  it("refuses names that are not dotted lower-case words", () => {
    expect(() => defineTask({ name: "Echo", payload: z.object({}), run })).toThrow(/dotted/);
  });

  it("keeps a declaration's queue and policy when its code is added", () => {
    const declared = declareTask({ name: "ai.summarize", payload: z.object({}), maxAttempts: 7 }, QUEUE_ROUTES);
    expect(declared).not.toHaveProperty("run");
    const task = defineTask({ ...declared, run });
    expect(task.queue).toBe("ai");
    expect(task.maxAttempts).toBe(7);
    expect(task.run).toBe(run);
  });

  it("refuses a name defined twice", () => {
    const task = defineTask({ name: "demo.once", payload: z.object({}), run });
    expect(() => taskRegistry([task, task])).toThrow(/twice/);
  });
});
