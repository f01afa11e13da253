import amqp from "amqplib";
import { encodeJobMessage } from "../../shared/engine/queue/job-message";
import { workQueueName } from "../../shared/engine/queue/topology";
import { probe, probeService } from "../support/probe-tasks";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

describe("cancel and duplicate delivery", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ extraServices: [probeService()] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const eventTypes = async (id: string) =>
    (await stack.db("job_events").where("job_id", id).orderBy("id")).map((event: { type: string }) => event.type);

  it("never runs a job cancelled while queued", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "probe.counted", payload: { ms: 0 }, delayMs: 700 });
    const cancelled = await stack.http("DELETE", `/api/v1/jobs/${body.id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    // Its message still arrives when the delay is over; wait past that and check it was dropped.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(probe.runs.get(body.id)).toBeUndefined();
    expect(await eventTypes(body.id)).toEqual(["scheduled", "cancelled"]);
    expect((await stack.job(body.id)).status).toBe("cancelled");
  });

  it("aborts a running job's signal when it is cancelled, and the job ends cancelled", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "probe.cancellable", payload: {} });
    await waitFor(() => stack.job(body.id), (job) => job.status === "running" && job.progress?.percent === 10);
    const cancelled = await stack.http("POST", `/api/v1/jobs/${body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    await waitFor(async () => probe.abortReasons.get(body.id), (reason) => reason !== undefined, { timeoutMs: 5_000 });
    expect(probe.abortReasons.get(body.id)).toBe("JobCancelledError");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const job = await stack.job(body.id);
    expect(job.status).toBe("cancelled");
    expect(await eventTypes(body.id)).toEqual(["queued", "running", "progress", "cancelled"]);

    const again = await stack.http("DELETE", `/api/v1/jobs/${body.id}`);
    expect(again.status).toBe(409);
  });

  it("runs the task body once when the same message is delivered twice", async () => {
    const connection = await amqp.connect(process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
    const channel = await connection.createConfirmChannel();
    try {
      const { body } = await stack.http("POST", "/api/v1/jobs", { task: "probe.counted", payload: { ms: 400 } });
      const queue = workQueueName(process.env.QUEUE_PREFIX as string, "isolated");
      // One copy while it waits or runs, one more shortly after: both must be no-ops.
      const duplicate = encodeJobMessage({ id: body.id, task: "probe.counted" });
      channel.sendToQueue(queue, duplicate, { persistent: true });
      await channel.waitForConfirms();
      await new Promise((resolve) => setTimeout(resolve, 100));
      channel.sendToQueue(queue, duplicate, { persistent: true });
      await channel.waitForConfirms();

      await waitFor(() => stack.job(body.id), (job) => job.status === "succeeded");
      // Leave time for the duplicates to come back round after the lease and be dropped.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(probe.runs.get(body.id)).toBe(1);
      const types = await eventTypes(body.id);
      expect(types.filter((type) => type === "running")).toHaveLength(1);
      expect(types.filter((type) => type === "succeeded")).toHaveLength(1);
      expect((await stack.job(body.id)).attempts).toBe(1);
    } finally {
      await connection.close();
    }
  });
});
