import { randomUUID } from "node:crypto";
import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const INTERNAL_TASKS = ["webhooks.deliver", "documents.process", "datasync.ingest", "ai.enrich_issue", "ai.notify_issue_created"];

describe("tenant boundaries: internal tasks, declared queues, rows loaded within their organization", () => {
  let stack: Stack;
  let otherOrganization: string;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks", "schedules"] });
    otherOrganization = await createOrganization(stack.db, `other-${Date.now()}`);
    otherKey = await createApiKey(stack.db, otherOrganization, "other");
  });
  afterAll(() => stack.stop());

  it("refuses internal tasks to tenants (single, bulk, schedules) with 422 UNKNOWN_TASK, and lists only public tasks", async () => {
    for (const task of INTERNAL_TASKS) {
      const single = await stack.http("POST", "/api/v1/jobs", { task, payload: { deliveryId: randomUUID() } });
      expect({ task, status: single.status, code: single.body.error.code }).toEqual({ task, status: 422, code: "UNKNOWN_TASK" });
      expect(single.body.error.details.known).not.toContain(task);
      const bulk = await stack.http("POST", "/api/v1/jobs/bulk", { jobs: [{ task: "demo.echo", payload: { text: "ok" } }, { task, payload: {} }] });
      expect(bulk.status).toBe(422);
      const schedule = await stack.http("POST", "/api/v1/schedules", { name: "sneaky", task, payload: {}, intervalMs: 60_000 });
      expect({ task, status: schedule.status, code: schedule.body.error.code }).toEqual({ task, status: 422, code: "UNKNOWN_TASK" });
    }
    const tasks = (await stack.http("GET", "/api/v1/tasks")).body.items.map((task: { name: string }) => task.name);
    expect(tasks).toContain("demo.echo");
    for (const task of INTERNAL_TASKS) expect(tasks).not.toContain(task);
    expect(await stack.db("jobs").where({ organization_id: stack.organizationId }).whereIn("task", INTERNAL_TASKS)).toEqual([]);
  });

  it("accepts a queue override only for a queue some task declares", async () => {
    const unknown = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, queue: "made-up-queue" });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: "UNKNOWN_QUEUE", details: { known: expect.arrayContaining(["default", "ai"]) } });
    const schedule = await stack.http("POST", "/api/v1/schedules", { name: "q", task: "demo.echo", payload: { text: "x" }, queue: "made-up-queue", intervalMs: 60_000 });
    expect(schedule.body.error?.code).toBe("UNKNOWN_QUEUE");
    const declared = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, queue: "default" });
    expect(declared.status).toBe(202);
    expect(await stack.db("jobs").where({ queue: "made-up-queue" })).toEqual([]);
  });

  it("a webhook delivery task only loads a delivery of its own organization", async () => {
    // Another organization's delivery, pending, as if its own delivery job were waiting.
    const otherJob = await fetch(`${stack.baseUrl}/api/v1/jobs`, {
      method: "POST",
      headers: { authorization: `Bearer ${otherKey}`, "content-type": "application/json" },
      body: JSON.stringify({ task: "demo.echo", payload: { text: "theirs" } }),
    }).then((response) => response.json() as Promise<{ id: string }>);
    const [delivery] = await stack
      .db("webhook_deliveries")
      .insert({
        organization_id: otherOrganization,
        target: "callback",
        job_id: otherJob.id,
        event_id: Number.MAX_SAFE_INTEGER - Math.floor(Math.random() * 1e6),
        event_type: "succeeded",
        url: "http://127.0.0.1:9/never",
        body: JSON.stringify({ secret: "theirs" }),
        // Marked enqueued, so the webhook outbox leaves it alone and only the forged job could touch it.
        enqueued_at: new Date(),
      })
      .returning("*");
    // Even when a service enqueues it (the trusted path), the task runs as the job's organization.
    const { job } = await stack.call<{ job: { id: string } }>("jobs.enqueue", { task: "webhooks.deliver", payload: { deliveryId: delivery.id }, maxAttempts: 1 });
    const finished = await waitFor(() => stack.job(job.id), (row) => row.status === "failed" || row.status === "succeeded", { timeoutMs: 20_000 });
    expect(finished.status).toBe("failed");
    expect(finished.error?.message).toMatch(/does not exist in this organization/);
    const untouched = await stack.db("webhook_deliveries").where({ id: delivery.id }).first();
    expect(untouched).toMatchObject({ status: "pending", attempts: 0, last_error: null });
    // And the REST API never shows it to the first organization.
    expect((await stack.http("GET", `/api/v1/webhooks/deliveries/${delivery.id}`)).status).toBe(404);
  });
});
