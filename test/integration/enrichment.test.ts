import { randomUUID } from "node:crypto";
import type { Context, ServiceSchema } from "moleculer";
import { insertIssue } from "../../shared/db/issues/insert-issue";
import type { PublicIssue } from "../../shared/db/issues/issue-record";
import type { IssueCreated } from "../../shared/domains/enrichment/issue-created";
import { ISSUE_CREATED } from "../../shared/lib/event-names";
import { cronSeconds, ISSUE_SAMPLES } from "../support/issue-samples";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

type IssueView = PublicIssue & { enrichment: PublicIssue["enrichment"] & { statusUrl: string | null } };

const memoryLeak = { ...ISSUE_SAMPLES[0], labels: ["bug"], author: "octocat" };

/** Issue ids announced by `issue.created`, as a service of the stack heard them. */
const announced: IssueCreated[] = [];
const listener: ServiceSchema = {
  name: "issue-listener",
  events: {
    [ISSUE_CREATED](ctx: Context<IssueCreated>) {
      announced.push(ctx.params);
    },
  },
};

describe("enrichment: issues with AI summary and tags", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "enrichment"], extraServices: [listener] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const getIssue = async (id: string): Promise<IssueView> => (await stack.http("GET", `/api/v1/issues/${id}`)).body;
  const enrichedAt = (id: string, version: number) =>
    waitFor(() => getIssue(id), (issue) => issue.enrichment.status === "succeeded" && issue.enrichment.enrichedVersion === version);
  const create = async (fields: object): Promise<IssueView> => {
    const response = await stack.http("POST", "/api/v1/issues", fields);
    expect(response.status).toBe(201);
    return response.body;
  };

  it("creates an issue (201), enriches it with the offline enricher, and shows summary, tags and status", async () => {
    const response = await stack.http("POST", "/api/v1/issues", memoryLeak);
    expect(response.status).toBe(201);
    const created: IssueView = response.body;
    expect(response.headers.get("location")).toBe(`/api/v1/issues/${created.id}`);
    expect(created).toMatchObject({ title: memoryLeak.title, labels: ["bug"], author: "octocat", version: 1 });
    expect(created.enrichment.jobId).toEqual(expect.any(String));
    expect(created.enrichment.statusUrl).toBe(`/api/v1/jobs/${created.enrichment.jobId}`);

    const issue = await enrichedAt(created.id, 1);
    expect(issue.aiSummary).toContain("the worker reconnects but the old consumer's channel is never released");
    expect(issue.tags).toContain("memory-leak");
    expect(issue.enrichment).toMatchObject({ status: "succeeded", jobId: created.enrichment.jobId, enricher: "offline" });
    expect(Date.parse(issue.enrichment.enrichedAt as string)).not.toBeNaN();

    const job = await stack.job(created.enrichment.jobId as string);
    expect(job).toMatchObject({ task: "ai.enrich_issue", queue: "ai", attempts: 1, maxAttempts: 4 });
    expect(job.result).toMatchObject({ status: "enriched", version: 1 });
  });

  it("announces each new issue once with the issue.created event", async () => {
    const created = await create({ title: "Dashboard shows wrong progress for retried jobs" });
    const event = await waitFor(
      async () => announced.filter((item) => item.issue.id === created.id),
      (events) => events.length > 0,
    );
    expect(event).toHaveLength(1);
    expect(event[0].organizationId).toBe(stack.organizationId);
    expect(event[0].issue).toMatchObject({ id: created.id, title: "Dashboard shows wrong progress for retried jobs", version: 1 });
    const { body } = await stack.http("GET", `/api/v1/jobs?task=ai.notify_issue_created`);
    const notification = body.items.find((job: { payload: { issueId: string } }) => job.payload.issueId === created.id);
    expect(notification).toMatchObject({ queue: "ai", idempotencyKey: `${created.id}:created` });
    expect((await waitFor(() => stack.job(notification.id), (job) => job.status === "succeeded")).result).toEqual({
      event: ISSUE_CREATED,
      issueId: created.id,
    });
  });

  it("lists issues newest first, filtered by tag, label, title text and enrichment, page by page", async () => {
    const marker = randomUUID().slice(0, 8);
    const cron = await create({
      title: `Support cron expressions with seconds ${marker}`,
      body: cronSeconds.body,
      labels: ["feature", marker],
    });
    const leak = await create({ ...memoryLeak, title: `${memoryLeak.title} ${marker}`, labels: [marker] });
    await Promise.all([enrichedAt(cron.id, 1), enrichedAt(leak.id, 1)]);
    // An issue whose enrichment never ran (its row written directly, no job).
    const pending = await insertIssue(stack.db, stack.organizationId, { title: `Not enriched ${marker}`, body: "", labels: [marker], author: null });

    const list = async (query: string) => {
      const response = await stack.http("GET", `/api/v1/issues?${query}`);
      expect(response.status).toBe(200);
      return response.body as { items: IssueView[]; nextCursor: string | null };
    };
    const ids = (page: { items: IssueView[] }) => page.items.map((item) => item.id);

    expect(ids(await list(`label=${marker}`))).toEqual([pending.id, leak.id, cron.id]);
    expect(ids(await list(`label=${marker}&tag=cron-expression`))).toEqual([cron.id]);
    expect(ids(await list(`label=${marker}&tag=memory-leak`))).toEqual([leak.id]);
    expect(ids(await list(`label=${marker}&label=feature`))).toEqual([cron.id]);
    expect(ids(await list(`q=${encodeURIComponent(`rabbitmq CONSUMER after connection reset ${marker}`)}`))).toEqual([leak.id]);
    expect(ids(await list(`q=${encodeURIComponent("100%_")}`))).toEqual([]);
    expect(ids(await list(`label=${marker}&enriched=true`))).toEqual([leak.id, cron.id]);
    expect(ids(await list(`label=${marker}&enriched=false`))).toEqual([pending.id]);

    const first = await list(`label=${marker}&limit=2`);
    expect(ids(first)).toEqual([pending.id, leak.id]);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`label=${marker}&limit=2&cursor=${first.nextCursor}`);
    expect(ids(second)).toEqual([cron.id]);
    expect(second.nextCursor).toBeNull();
    expect(first.items[1]).toMatchObject({ aiSummary: expect.any(String), enrichment: { status: "succeeded" } });
  });

  it("re-enriches an edited issue and replaces the results; a job for an older version writes nothing", async () => {
    const created = await create(memoryLeak);
    const before = await enrichedAt(created.id, 1);

    const edit = await stack.http("PATCH", `/api/v1/issues/${created.id}`, { title: cronSeconds.title, body: cronSeconds.body });
    expect(edit.status).toBe(200);
    expect(edit.body.version).toBe(2);
    expect(edit.body.enrichment.jobId).not.toBe(before.enrichment.jobId);

    const after = await enrichedAt(created.id, 2);
    expect(after.aiSummary).toContain("five-field cron expressions");
    expect(after.aiSummary).not.toContain("RabbitMQ");
    expect(after.tags).toContain("cron-expression");
    expect(after.tags).not.toContain("memory-leak");

    // A late job for version 1 (as if it had been slow) finds the issue moved on and writes nothing.
    // (The task is internal: a service enqueues it, as the enrichment service does.)
    const late = await stack.call<{ job: { id: string } }>("jobs.enqueue", { task: "ai.enrich_issue", payload: { issueId: created.id, version: 1 } });
    const lateJob = await waitFor(() => stack.job(late.job.id), (job) => job.status === "succeeded");
    expect(lateJob.result).toMatchObject({ status: "superseded", currentVersion: 2 });
    expect(await getIssue(created.id)).toMatchObject({ aiSummary: after.aiSummary, tags: after.tags, enrichment: { enrichedVersion: 2 } });

    // Labels are not what the enricher reads: editing them alone keeps the version and the results.
    const relabel = await stack.http("PATCH", `/api/v1/issues/${created.id}`, { labels: ["feature"] });
    expect(relabel.body).toMatchObject({ version: 2, labels: ["feature"], aiSummary: after.aiSummary });
    expect(relabel.body.enrichment.jobId).toBe(after.enrichment.jobId);
  });

  it("re-runs enrichment on request (202) with a new job", async () => {
    const created = await create(memoryLeak);
    const first = await enrichedAt(created.id, 1);
    const rerun = await stack.http("POST", `/api/v1/issues/${created.id}/enrich`);
    expect(rerun.status).toBe(202);
    expect(rerun.body.enrichment.jobId).not.toBe(first.enrichment.jobId);
    expect(rerun.headers.get("location")).toBe(`/api/v1/jobs/${rerun.body.enrichment.jobId}`);
    const job = await waitFor(() => stack.job(rerun.body.enrichment.jobId), (current) => current.status === "succeeded");
    expect(job.result).toMatchObject({ status: "enriched", version: 1 });
    expect((await getIssue(created.id)).enrichment.jobId).toBe(job.id);
  });

  it("fails enrichment of a missing issue at once, without retrying", async () => {
    const { job: enqueued } = await stack.call<{ job: { id: string } }>("jobs.enqueue", { task: "ai.enrich_issue", payload: { issueId: randomUUID(), version: 1 } });
    const job = await waitFor(() => stack.job(enqueued.id), (current) => current.status === "failed");
    expect(job.attempts).toBe(1);
    expect(job.error).toMatchObject({ type: "PermanentError", message: expect.stringMatching(/does not exist/) });
  });

  it("documents the issues API in the OpenAPI document", async () => {
    const { body } = await stack.http("GET", "/api/v1/openapi.json");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/issues", "/issues/{id}", "/issues/{id}/enrich"]));
    expect(body.components.schemas.Issue.properties.enrichment.properties).toHaveProperty("statusUrl");
  });

  describe("bad input", () => {
    const expectError = (response: { status: number; body: any }, status: number, code: string, path?: string) => {
      expect(response.status).toBe(status);
      expect(response.body.error.code).toBe(code);
      if (path) expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(path);
    };

    it("refuses an empty or missing title, an oversized body and unknown fields with 422", async () => {
      expectError(await stack.http("POST", "/api/v1/issues", { title: "   ", body: "x" }), 422, "VALIDATION_FAILED", "title");
      expectError(await stack.http("POST", "/api/v1/issues", { body: "no title" }), 422, "VALIDATION_FAILED", "title");
      expectError(await stack.http("POST", "/api/v1/issues", { title: "t".repeat(301) }), 422, "VALIDATION_FAILED", "title");
      expectError(await stack.http("POST", "/api/v1/issues", { title: "big", body: "é".repeat(33_000) }), 422, "VALIDATION_FAILED", "body");
      expectError(await stack.http("POST", "/api/v1/issues", { title: "ok", priority: "high" }), 422, "VALIDATION_FAILED");
      const { body } = await stack.http("GET", "/api/v1/issues?q=big&limit=500");
      expect(body.items.map((item: IssueView) => item.title)).not.toContain("big");
    });

    it("refuses a request larger than BODY_LIMIT with a JSON 413", async () => {
      const response = await stack.http("POST", "/api/v1/issues", { title: "huge", body: "x".repeat(1_100_000) });
      expectError(response, 413, "PAYLOAD_TOO_LARGE");
    });

    it("answers 404 for an unknown issue and 422 for a malformed id, an empty edit or a bad filter", async () => {
      const unknown = randomUUID();
      expectError(await stack.http("GET", `/api/v1/issues/${unknown}`), 404, "NOT_FOUND");
      expectError(await stack.http("PATCH", `/api/v1/issues/${unknown}`, { title: "x" }), 404, "NOT_FOUND");
      expectError(await stack.http("POST", `/api/v1/issues/${unknown}/enrich`), 404, "NOT_FOUND");
      expectError(await stack.http("GET", "/api/v1/issues/not-a-uuid"), 422, "VALIDATION_FAILED", "id");
      const created = await create({ title: "Edit me" });
      expectError(await stack.http("PATCH", `/api/v1/issues/${created.id}`, {}), 422, "VALIDATION_FAILED");
      expectError(await stack.http("PATCH", `/api/v1/issues/${created.id}`, { title: "" }), 422, "VALIDATION_FAILED", "title");
      expectError(await stack.http("GET", "/api/v1/issues?enriched=maybe"), 422, "VALIDATION_FAILED", "enriched");
      expectError(await stack.http("GET", "/api/v1/issues?cursor=bogus"), 422, "INVALID_CURSOR");
    });

    it("is another organization's 404", async () => {
      const created = await create({ title: "Private issue" });
      const other = await startStack({ services: [] });
      try {
        const response = await stack.broker
          .call("enrichment.get", { id: created.id }, { meta: { organizationId: other.organizationId } })
          .catch((error: { code: number }) => error);
        expect((response as { code: number }).code).toBe(404);
      } finally {
        await other.stop();
      }
    });
  });
});
