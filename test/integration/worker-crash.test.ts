import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

const JOBS = 40;

describe("a worker killed with SIGKILL while running jobs", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Producer side only: the workers are child processes.
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("loses no job and records no job twice; the lost attempts run again without using one up", async () => {
    const workerEnv = { WORKER_PREFETCH: "4", JOB_LEASE_MS: "2000" };
    const first = spawnNode("demo", { ...workerEnv, NODE_ID: "crash-victim" });
    await waitForConsumers("default", 1);

    const { body } = await stack.http("POST", "/api/v1/jobs/bulk", {
      // One attempt each: an attempt lost with its worker is an interruption, so even the last one runs again.
      jobs: Array.from({ length: JOBS }, () => ({ task: "demo.sleep", payload: { ms: 250 }, maxAttempts: 1 })),
    });
    const ids: string[] = body.jobs.map((job: { id: string }) => job.id);
    const statuses = () => stack.db("jobs").whereIn("id", ids).select<{ status: string }[]>("status");

    // Kill it while some jobs are done and others are running or waiting in its prefetch.
    await waitFor(statuses, (rows) => rows.filter((row) => row.status === "succeeded").length >= 8);
    first.kill("SIGKILL");
    expect((await exited(first)).signal).toBe("SIGKILL");
    const atCrash = await statuses();
    expect(atCrash.filter((row) => row.status === "succeeded").length).toBeLessThan(JOBS);
    const runningAtCrash = atCrash.filter((row) => row.status === "running").length;
    expect(runningAtCrash).toBeGreaterThan(0);

    const second = spawnNode("demo", { ...workerEnv, NODE_ID: "survivor" });
    try {
      await waitFor(statuses, (rows) => rows.every((row) => ["succeeded", "failed", "cancelled"].includes(row.status)), {
        timeoutMs: 45_000,
        intervalMs: 200,
      });
    } finally {
      second.kill("SIGTERM");
      expect((await exited(second)).code).toBe(0);
    }

    const finalRows = await stack.db("jobs").whereIn("id", ids).select<{ status: string; attempts: number; interruptions: number }[]>("status", "attempts", "interruptions");
    expect(finalRows).toHaveLength(JOBS);
    expect(finalRows.every((row) => row.status === "succeeded")).toBe(true);
    const successEvents = await stack.db("job_events")
      .whereIn("job_id", ids)
      .where("type", "succeeded")
      .select("job_id")
      .count<{ job_id: string; count: string }[]>("* as count")
      .groupBy("job_id");
    expect(successEvents).toHaveLength(JOBS);
    expect(successEvents.every((row) => Number(row.count) === 1)).toBe(true);
    // The jobs the victim was running were taken over after their lease ran out: the same attempt
    // again, counted as an interruption.
    expect(finalRows.every((row) => row.attempts === 1)).toBe(true);
    expect(finalRows.filter((row) => row.interruptions === 1)).toHaveLength(runningAtCrash);
    expect(finalRows.filter((row) => row.interruptions > 1)).toHaveLength(0);
  });
});
