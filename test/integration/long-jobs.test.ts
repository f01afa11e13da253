import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

const run = promisify(execFile);
const setRabbitEnv = (key: string, value: number) => run("rabbitmqctl", ["eval", `application:set_env(rabbit, ${key}, ${value}).`]);
const CONSUMER_TIMEOUT_MS = 3_000;

/**
 * Jobs longer than RabbitMQ's consumer_timeout (30 minutes by default; 3 s here, checked every
 * second instead of every minute) ack their message early and are held by their Postgres lease.
 */
describe("jobs that run longer than RabbitMQ's consumer_timeout", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
    // Read when a channel opens: the workers below start after this.
    await setRabbitEnv("consumer_timeout", CONSUMER_TIMEOUT_MS);
    await setRabbitEnv("channel_tick_interval", 1_000);
  });
  afterAll(async () => {
    await setRabbitEnv("consumer_timeout", 1_800_000);
    await setRabbitEnv("channel_tick_interval", 60_000);
    await stack.stop();
  });

  const enqueueSleep = async (ms: number) => (await stack.http("POST", "/api/v1/jobs", { task: "demo.sleep", payload: { ms } })).body.id as string;
  const eventCount = async (id: string, type: string) =>
    Number((await stack.db("job_events").where({ job_id: id, type }).count<{ count: string }[]>("* as count"))[0].count);

  it("finishes once, with no channel closed and no redelivery", async () => {
    const worker = spawnNode("demo", { NODE_ID: "long-runner", JOB_EARLY_ACK_MS: "1000" }, true);
    let output = "";
    worker.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    worker.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await waitForConsumers("default", 1);
      const id = await enqueueSleep(4 * CONSUMER_TIMEOUT_MS);
      const done = await waitFor(() => stack.job(id), (job) => job.status === "succeeded", { timeoutMs: 30_000, intervalMs: 250 });
      expect(done).toMatchObject({ attempts: 1, interruptions: 0 });
      expect(await eventCount(id, "running")).toBe(1);
      expect(await eventCount(id, "succeeded")).toBe(1);
      expect(output).not.toMatch(/PRECONDITION_FAILED|timed out/);
    } finally {
      worker.kill("SIGTERM");
      await exited(worker);
    }
  });

  it("is taken over within seconds when its worker dies after the early ack, and runs once more", async () => {
    const env = { JOB_EARLY_ACK_MS: "500", JOB_LEASE_MS: "2000" };
    const victim = spawnNode("demo", { ...env, NODE_ID: "long-victim" });
    await waitForConsumers("default", 1);
    const id = await enqueueSleep(3_000);
    // Wait until the attempt let go of its message (published_at cleared), then kill the worker.
    await waitFor(() => stack.db("jobs").where("id", id).first(), (row) => row.status === "running" && row.published_at === null, { timeoutMs: 10_000, intervalMs: 100 });
    victim.kill("SIGKILL");
    await exited(victim);
    const survivor = spawnNode("demo", { ...env, NODE_ID: "long-survivor" });
    try {
      const done = await waitFor(() => stack.job(id), (job) => job.status === "succeeded", { timeoutMs: 30_000, intervalMs: 250 });
      expect(done).toMatchObject({ attempts: 1, interruptions: 1 });
      const workers = (await stack.db("job_events").where({ job_id: id, type: "running" }).orderBy("id").select("data")).map((row: { data: { worker: string } }) => row.data.worker);
      expect(workers).toEqual(["long-victim", "long-survivor"]);
      expect(await eventCount(id, "succeeded")).toBe(1);
    } finally {
      survivor.kill("SIGTERM");
      await exited(survivor);
    }
  });
});
