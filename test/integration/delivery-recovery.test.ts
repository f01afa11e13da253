import { execFile } from "node:child_process";
import { promisify } from "node:util";
import amqp from "amqplib";
import { insertJobs, NewJob, plainJob } from "../../shared/db/jobs/insert-jobs";
import { markPublished } from "../../shared/db/jobs/mark-published";
import { encodeJobMessage } from "../../shared/engine/queue/job-message";
import { deadQueueName, declareQueueTopology, workQueueName } from "../../shared/engine/queue/topology";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const prefix = () => process.env.QUEUE_PREFIX as string;

const echoJob = (text: string): NewJob => plainJob("demo.echo", { text });

/** Puts a job's message straight into a RabbitMQ queue, as if the pipeline had sent it there. */
async function publishDirectly(queue: string, job: NewJob): Promise<void> {
  const connection = await amqp.connect(AMQP_URL);
  try {
    const channel = await connection.createConfirmChannel();
    channel.sendToQueue(queue, encodeJobMessage({ id: job.id, task: job.task }), { persistent: true });
    await channel.waitForConfirms();
  } finally {
    await connection.close();
  }
}

describe("delivery recovery", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("publishes a job whose row was committed but whose message never reached RabbitMQ (sweeper)", async () => {
    const job = echoJob("swept");
    // As if the process died between the commit and the publish.
    await insertJobs(stack.db, stack.organizationId, [job]);
    const done = await waitFor(() => stack.job(job.id), (current) => current.status === "succeeded", { timeoutMs: 15_000 });
    expect(done.result).toEqual({ text: "swept" });
    const row = await stack.db("jobs").where("id", job.id).first();
    expect(row.published_at).not.toBeNull();
  });

  it("fails a job whose message RabbitMQ dead-lettered, so it shows in the dead-letter list", async () => {
    const job = echoJob("poison");
    await insertJobs(stack.db, stack.organizationId, [job]);
    await markPublished(stack.db, [job.id]); // keep the sweeper away: only the dead-letter queue has it
    await publishDirectly(deadQueueName(prefix(), "default"), job);
    const failed = await waitFor(() => stack.job(job.id), (current) => current.status === "failed");
    expect(failed.error?.type).toBe("DeliveryLimitExceeded");
    const list = await stack.http("GET", "/api/v1/jobs/dead-letters?limit=500");
    expect(list.body.items.map((item: { id: string }) => item.id)).toContain(job.id);
  });

  it("leaves a job alone whose dead-lettered message was a spare copy while a worker holds it", async () => {
    const job = echoJob("held");
    await insertJobs(stack.db, stack.organizationId, [job]);
    // As a worker's claim leaves it: running, with a lease that is still live.
    await stack.db("jobs").where("id", job.id).update({ status: "running", attempts: 1, claims: 1, lease_expires_at: stack.db.raw("now() + interval '1 hour'"), published_at: stack.db.raw("now()") });
    await publishDirectly(deadQueueName(prefix(), "default"), job);
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      // The keeper has taken the message (the dead-letter queue is empty again)...
      await waitFor(async () => (await channel.checkQueue(deadQueueName(prefix(), "default"))).messageCount, (count) => count === 0);
    } finally {
      await connection.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    // ...and the job is still the worker's.
    expect(await stack.db("jobs").where("id", job.id).first()).toMatchObject({ status: "running", dead_lettered_at: null });
  });

  it("fails a job whose worker was lost more often than the interruption limit, when its message comes back", async () => {
    const job = echoJob("lost too often");
    await insertJobs(stack.db, stack.organizationId, [job]);
    // Its last worker's lease ran out, and it has used up its interruptions.
    const limit = Number(process.env.JOB_MAX_INTERRUPTIONS ?? 5);
    await stack.db("jobs").where("id", job.id).update({ status: "running", attempts: 1, claims: 3, interruptions: limit, lease_expires_at: stack.db.raw("now() - interval '1 second'"), published_at: stack.db.raw("now()") });
    await publishDirectly(workQueueName(prefix(), "default"), job);
    const failed = await waitFor(() => stack.job(job.id), (current) => current.status === "failed");
    expect(failed.error?.type).toBe("InterruptionLimitExceeded");
    expect(failed.error?.message).toMatch(new RegExp(`interrupted ${limit + 1} times .* the limit is ${limit}`));
    expect(failed.interruptions).toBe(limit + 1);
  });

  it("dead-letters a message after the queue's delivery limit instead of redelivering it forever", async () => {
    const connection = await amqp.connect(AMQP_URL);
    try {
      const channel = await connection.createChannel();
      const topology = { prefix: prefix(), queueType: "quorum" as const, deliveryLimit: 3 };
      await declareQueueTopology(channel, topology, "limit_probe");
      channel.sendToQueue(workQueueName(prefix(), "limit_probe"), Buffer.from("{}"), { persistent: true });
      let deliveries = 0;
      await channel.consume(workQueueName(prefix(), "limit_probe"), (message) => {
        if (!message) return;
        deliveries++;
        channel.nack(message, false, true); // what a crashing worker amounts to
      });
      const dead = await waitFor(
        async () => (await channel.checkQueue(deadQueueName(prefix(), "limit_probe"))).messageCount,
        (count) => count === 1,
      );
      expect(dead).toBe(1);
      expect(deliveries).toBe(4); // the first delivery plus three redeliveries
    } finally {
      await connection.close();
    }
  });

  it("hands back a job whose task no worker here knows, and fails it once the queue gives up", async () => {
    const job = { ...echoJob("orphan"), task: "nobody.knows_this" };
    await insertJobs(stack.db, stack.organizationId, [job]);
    await markPublished(stack.db, [job.id]);
    await publishDirectly(workQueueName(prefix(), "default"), job);
    const failed = await waitFor(() => stack.job(job.id), (current) => current.status === "failed");
    expect(failed.attempts).toBe(0); // never claimed: the demo worker does not run it
    expect(failed.error?.type).toBe("DeliveryLimitExceeded");
  });

  it("reconnects after RabbitMQ drops its connection and keeps running jobs", async () => {
    const name = `conveyor:${stack.broker.nodeID}`;
    // rabbitmqctl runs asynchronously: blocking the event loop for seconds would let the gateway close
    // an idle keep-alive socket just as fetch reuses it (ECONNRESET), which is not what this test is about.
    const run = promisify(execFile);
    const { stdout: listing } = await run("rabbitmqctl", ["-q", "list_connections", "pid", "client_properties"], { encoding: "utf8" });
    const pids = listing
      .split("\n")
      .filter((line) => line.includes(`"${name}"`))
      .map((line) => line.split("\t")[0]);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) await run("rabbitmqctl", ["-q", "close_connection", pid, "test: simulated network loss"]);

    const accepted = await waitFor(
      () => stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "after reconnect" } }),
      (response) => response.status === 202,
    );
    const done = await waitFor(() => stack.job(accepted.body.id), (job) => job.status === "succeeded", { timeoutMs: 20_000 });
    expect(done.result).toEqual({ text: "after reconnect" });
  });
});
