import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { enqueue } from "../../shared/engine/enqueue/enqueue";
import { echo } from "../../services/demo.tasks";

describe("enqueue → run → succeeded", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("runs a job over HTTP and records its events in order", async () => {
    const accepted = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "hi" } });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe("queued");
    expect(accepted.headers.get("location")).toBe(`/api/v1/jobs/${accepted.body.id}`);
    expect(accepted.body.statusUrl).toBe(`/api/v1/jobs/${accepted.body.id}`);

    const finished = await waitFor(
      async () => (await stack.http("GET", accepted.body.statusUrl)).body,
      (job) => job.status === "succeeded",
    );
    expect(finished.result).toEqual({ text: "hi" });
    expect(finished.attempts).toBe(1);
    expect(finished.startedAt).not.toBeNull();
    expect(finished.finishedAt).not.toBeNull();

    const events = await stack.http("GET", `/api/v1/jobs/${accepted.body.id}/events`);
    expect(events.body.items.map((event: { type: string }) => event.type)).toEqual(["queued", "running", "succeeded"]);
    const ids = events.body.items.map((event: { id: string }) => Number(event.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  });

  it("enqueues from TypeScript with the task's typed payload", async () => {
    const { job, created } = await enqueue(stack.broker, stack.organizationId, echo, { text: "typed" }, { maxAttempts: 1 });
    expect(created).toBe(true);
    expect(job.maxAttempts).toBe(1);
    const finished = await waitFor(() => stack.job(job.id), (current) => current.status === "succeeded");
    expect(finished.result).toEqual({ text: "typed" });
  });

  it("runs a bulk enqueue of many jobs to completion", async () => {
    const jobs = Array.from({ length: 300 }, (_, index) => ({ task: "demo.echo", payload: { text: `n${index}` } }));
    const accepted = await stack.http("POST", "/api/v1/jobs/bulk", { jobs });
    expect(accepted.status).toBe(202);
    expect(accepted.body.jobs).toHaveLength(300);
    const ids: string[] = accepted.body.jobs.map((job: PublicJob) => job.id);
    const rows = await waitFor(
      () => stack.db("jobs").whereIn("id", ids).select("status", "result", "payload"),
      (found) => found.length === 300 && found.every((row) => row.status === "succeeded"),
    );
    for (const row of rows) expect(row.result).toEqual(row.payload);
  });

  it("returns the first job for a repeated idempotency key, with 200 instead of 202", async () => {
    const body = { task: "demo.echo", payload: { text: "once" }, idempotencyKey: `key-${Date.now()}` };
    const first = await stack.http("POST", "/api/v1/jobs", body);
    const second = await stack.http("POST", "/api/v1/jobs", body);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(second.body.id).toBe(first.body.id);
    const count = await stack.db("jobs").where({ organization_id: stack.organizationId, idempotency_key: body.idempotencyKey }).count<{ count: string }[]>("* as count");
    expect(Number(count[0].count)).toBe(1);
  });

  it("does not start a delayed job before its time", async () => {
    const accepted = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "later" }, delayMs: 1500 });
    expect(accepted.status).toBe(202);
    expect(accepted.body.status).toBe("scheduled");
    const finished = await waitFor(() => stack.job(accepted.body.id), (job) => job.status === "succeeded");
    const startedAfterMs = Date.parse(finished.startedAt as string) - Date.parse(finished.createdAt);
    expect(startedAfterMs).toBeGreaterThanOrEqual(1500);
  });

  it("lists jobs newest first with cursor pagination and filters", async () => {
    const task = "demo.echo";
    for (let i = 0; i < 5; i++) await stack.http("POST", "/api/v1/jobs", { task, payload: { text: `page${i}` } });
    const first = await stack.http("GET", `/api/v1/jobs?task=${task}&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await stack.http("GET", `/api/v1/jobs?task=${task}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.items).toHaveLength(2);
    const firstIds = first.body.items.map((job: PublicJob) => job.id);
    for (const job of second.body.items) expect(firstIds).not.toContain(job.id);
    expect(Date.parse(second.body.items[0].createdAt)).toBeLessThanOrEqual(Date.parse(first.body.items[1].createdAt));
  });
});

describe("queues and workers overview", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("lists each queue with its consumers and the organization's unfinished jobs, and no broker depths", async () => {
    await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "later" }, delayMs: 60_000 });
    const response = await stack.http("GET", "/api/v1/queues");
    expect(response.status).toBe(200);
    const queue = response.body.items.find((item: { queue: string }) => item.queue === "default");
    expect(queue.jobs.scheduled).toBe(1);
    expect(queue.consumers).toBeGreaterThanOrEqual(1);
    expect(Object.keys(queue).sort()).toEqual(["consumers", "jobs", "paused", "queue"]);
  });

  it("lists the services that run tasks with their queues and prefetch", async () => {
    const response = await stack.http("GET", "/api/v1/workers");
    expect(response.status).toBe(200);
    const demo = response.body.items.find((item: { service: string }) => item.service === "demo");
    expect(demo).toMatchObject({ queues: ["default"], tasks: ["demo.echo", "demo.sleep", "demo.fail"] });
    expect(demo.nodes).toEqual([stack.broker.nodeID]);
    expect(demo.prefetch).toBeGreaterThan(0);
  });
});
