import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

const TERMINAL = ["succeeded", "failed", "cancelled"];

describe("worker processes: sharing, queue selection, graceful shutdown", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const enqueueMany = async (count: number, ms: number, options: { maxAttempts?: number } = {}) => {
    const { body } = await stack.http("POST", "/api/v1/jobs/bulk", {
      jobs: Array.from({ length: count }, () => ({ task: "demo.sleep", payload: { ms }, ...options })),
    });
    return body.jobs.map((job: { id: string }) => job.id) as string[];
  };
  const workersThatRan = async (ids: string[]) =>
    (await stack.db("job_events").whereIn("job_id", ids).where("type", "running").select("data")).map(
      (row: { data: { worker: string } }) => row.data.worker,
    );
  const allFinished = (ids: string[]) =>
    waitFor(
      () => stack.db("jobs").whereIn("id", ids).select<{ status: string }[]>("status"),
      (rows) => rows.every((row) => TERMINAL.includes(row.status)),
      { timeoutMs: 45_000, intervalMs: 200 },
    );

  it("shares one queue's work between two processes of the same service", async () => {
    const env = { WORKER_PREFETCH: "5" };
    const first = spawnNode("demo", { ...env, NODE_ID: "share-1" });
    const second = spawnNode("demo", { ...env, NODE_ID: "share-2" });
    try {
      await waitForConsumers("default", 2);
      const ids = await enqueueMany(60, 50);
      await allFinished(ids);
      const ran = await workersThatRan(ids);
      expect(ran).toHaveLength(60);
      expect(ran.filter((worker) => worker === "share-1").length).toBeGreaterThan(0);
      expect(ran.filter((worker) => worker === "share-2").length).toBeGreaterThan(0);
    } finally {
      first.kill("SIGTERM");
      second.kill("SIGTERM");
      await Promise.all([exited(first), exited(second)]);
    }
  });

  it("consumes only the queues WORKER_QUEUES names", async () => {
    const elsewhere = spawnNode("demo", { WORKER_QUEUES: "ai", NODE_ID: "ai-only" });
    try {
      // The demo service's queue is `default`: this process must leave it alone.
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      const ids = await enqueueMany(3, 0);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const rows = await stack.db("jobs").whereIn("id", ids).select<{ status: string }[]>("status");
      expect(rows.every((row) => row.status === "queued")).toBe(true);
      const { body } = await stack.http("GET", "/api/v1/queues");
      expect(body.items.find((item: { queue: string }) => item.queue === "default").consumers).toBe(0);

      const worker = spawnNode("demo", { NODE_ID: "default-worker" });
      try {
        await allFinished(ids);
        expect(await workersThatRan(ids)).toEqual(["default-worker", "default-worker", "default-worker"]);
      } finally {
        worker.kill("SIGTERM");
        await exited(worker);
      }
    } finally {
      elsewhere.kill("SIGTERM");
      await exited(elsewhere);
    }
  });

  it("runs over the NATS transporter as well", async () => {
    const nats = await startStack({ services: [], transporter: "nats://127.0.0.1:4222", nodeID: "nats-front" });
    const worker = spawnNode("demo", { TRANSPORTER: "nats://127.0.0.1:4222", NODE_ID: "nats-worker" });
    try {
      // Moleculer discovery over NATS: the test's node sees the worker's demo service.
      await nats.broker.waitForServices(["demo"], 30_000);
      const ids = await enqueueMany(5, 10);
      await allFinished(ids);
      expect(await workersThatRan(ids)).toEqual(Array(5).fill("nats-worker"));
    } finally {
      worker.kill("SIGTERM");
      await exited(worker);
      await nats.stop();
    }
  });

  it("on SIGTERM finishes what fits in the grace period, interrupts the rest (even on its last attempt) and exits 0", async () => {
    const worker = spawnNode("demo", { WORKER_PREFETCH: "4", SHUTDOWN_GRACE_MS: "2000", NODE_ID: "graceful" });
    await waitForConsumers("default", 1);
    const quick = await enqueueMany(3, 800); // finishes inside the grace period
    // Does not fit: interrupted, then run again elsewhere, although this is its only attempt.
    const [long] = await enqueueMany(1, 6_000, { maxAttempts: 1 });
    await waitFor(
      () => stack.db("jobs").whereIn("id", [...quick, long]).where("status", "running").count<{ count: string }[]>("* as count"),
      (rows) => Number(rows[0].count) === 4,
    );
    const waiting = await enqueueMany(8, 100); // still in RabbitMQ when SIGTERM comes: prefetch is full
    worker.kill("SIGTERM");
    expect((await exited(worker)).code).toBe(0);

    const quickRows = await stack.db("jobs").whereIn("id", quick).select<{ status: string; attempts: number }[]>("status", "attempts");
    expect(quickRows.every((row) => row.status === "succeeded" && row.attempts === 1)).toBe(true);
    const interrupted = await stack.job(long);
    expect(interrupted).toMatchObject({ status: "queued", attempts: 0, interruptions: 1, error: { type: "WorkerShutdownError" } });
    const leftover = await stack.db("jobs").whereIn("id", waiting).where("status", "queued").count<{ count: string }[]>("* as count");
    expect(Number(leftover[0].count)).toBe(8); // handed back untouched, not lost

    const successor = spawnNode("demo", { NODE_ID: "successor" });
    try {
      await allFinished([...waiting, long]);
      const rows = await stack.db("jobs").whereIn("id", [...waiting, long]).select<{ status: string }[]>("status");
      expect(rows.every((row) => row.status === "succeeded")).toBe(true);
      expect(await stack.job(long)).toMatchObject({ status: "succeeded", attempts: 1, interruptions: 1 });
      const history = await stack.db("job_events").where("job_id", long).whereNot("type", "progress").orderBy("id").pluck("type");
      expect(history).toEqual(["queued", "running", "interrupted", "running", "succeeded"]);
    } finally {
      successor.kill("SIGTERM");
      await exited(successor);
    }
  });
});
