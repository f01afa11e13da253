import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { openApiDocument } from "../../services/gateway/openapi";
import { formWith } from "../support/document-files";
import { documentValidator } from "../support/openapi-routes";
import { startRecordSource } from "../support/record-source";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

process.env.UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), "conveyor-openapi-uploads-"));
process.env.EMBEDDER = "offline";
process.env.ENRICHER = "offline";

/**
 * The OpenAPI document against the running stack: every answer below is validated against the
 * schema the document gives for its route and status, and every request body sent against the
 * documented request schema, so a field the API sends or takes that the document lacks (or the
 * other way round) fails here.
 */
describe("the OpenAPI document matches what the API answers", () => {
  let stack: Stack;
  let source: Awaited<ReturnType<typeof startRecordSource>>;
  const validator = documentValidator();
  const checked = new Set<string>();

  beforeAll(async () => {
    source = await startRecordSource({
      "/records": (_url, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ items: [{ id: "r1", name: "one" }, { id: "r2", name: "two" }] }));
      },
    });
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks", "schedules", "enrichment", "documents", "ingestion"] });
  });
  afterAll(async () => {
    await stack?.stop();
    await source?.close();
  });

  /** Sends a request to a documented route and checks the answer (and the JSON body sent) against the document. */
  async function documented(method: string, template: string, url: string, body?: unknown, expectedStatus?: number) {
    if (body !== undefined) expect(validator.requestErrors(method, template, body)).toEqual([]);
    const prefix = ["/health", "/ready"].includes(template) ? "" : "/api/v1";
    const response = await stack.http(method.toUpperCase(), `${prefix}${url}`, body);
    if (expectedStatus !== undefined) expect({ status: response.status, body: response.body }).toMatchObject({ status: expectedStatus });
    expect(validator.responseErrors(method, template, response.status, response.body)).toEqual([]);
    checked.add(`${method.toUpperCase()} ${template}`);
    return response;
  }

  it("jobs: enqueue, bulk, read, list, history, cancel, replay, and their errors", async () => {
    const created = await documented("post", "/jobs", "/jobs", { task: "demo.echo", payload: { text: "hi" }, idempotencyKey: `openapi-${randomUUID()}` }, 202);
    const id = created.body.id as string;
    await documented("post", "/jobs", "/jobs", { task: "demo.echo", payload: { text: "hi" }, idempotencyKey: created.body.idempotencyKey }, 200);
    await documented("post", "/jobs/bulk", "/jobs/bulk", { jobs: [{ task: "demo.echo", payload: { text: "a" } }, { task: "demo.echo", payload: { text: "b" } }] }, 202);
    await waitFor(() => stack.job(id), (job) => job.status === "succeeded");
    await documented("get", "/jobs/{id}", `/jobs/${id}`, undefined, 200);
    await documented("get", "/jobs/{id}", `/jobs/${randomUUID()}`, undefined, 404);
    await documented("get", "/jobs", "/jobs?status=succeeded&status=queued&limit=5", undefined, 200);
    await documented("get", "/jobs", `/jobs?id=${id}&payload=${encodeURIComponent('{"text":"hi"}')}`, undefined, 200);
    await documented("get", "/jobs", "/jobs?payload=%5B1%5D", undefined, 422);
    await documented("get", "/jobs/dead-letters", "/jobs/dead-letters?limit=5", undefined, 200);
    await documented("get", "/jobs/{id}/events", `/jobs/${id}/events`, undefined, 200);

    const sleeping = await documented("post", "/jobs", "/jobs", { task: "demo.sleep", payload: { ms: 60_000 }, delayMs: 3_600_000 }, 202);
    await documented("post", "/jobs/{id}/cancel", `/jobs/${sleeping.body.id}/cancel`, undefined, 200);
    await documented("delete", "/jobs/{id}", `/jobs/${sleeping.body.id}`, undefined, 409);
    const replayed = await documented("post", "/jobs/{id}/retry", `/jobs/${sleeping.body.id}/retry`, undefined, 202);
    expect(replayed.headers.get("location")).toBe(`/api/v1/jobs/${sleeping.body.id}`);
    await documented("delete", "/jobs/{id}", `/jobs/${sleeping.body.id}`, undefined, 200);
    await documented("post", "/jobs", "/jobs", { task: "demo.echo", payload: { text: 42 } }, 422);
  });

  it("jobs: the event stream answers text/event-stream", async () => {
    const controller = new AbortController();
    const response = await fetch(`${stack.baseUrl}/api/v1/jobs/stream?task=demo.echo`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, accept: "text/event-stream" },
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    const documentedStream = openApiDocument().paths["/jobs/stream"] as { get: { responses: Record<string, { content?: object }> } };
    expect(Object.keys(documentedStream.get.responses[200].content ?? {})).toEqual(["text/event-stream"]);
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    controller.abort();
    checked.add("GET /jobs/stream");
  });

  it("tasks, queues, workers, health and readiness", async () => {
    await documented("get", "/tasks", "/tasks", undefined, 200);
    await documented("get", "/queues", "/queues", undefined, 200);
    await documented("get", "/flow-control", "/flow-control", undefined, 200);
    await documented("get", "/stats/queues", "/stats/queues?minutes=5", undefined, 200);
    await documented("get", "/workers", "/workers", undefined, 200);
    await documented("get", "/health", "/health", undefined, 200);
    await documented("get", "/ready", "/ready", undefined, 200);
  });

  it("webhooks: subscriptions, deliveries and the secret", async () => {
    const subscription = await documented(
      "post",
      "/webhooks/subscriptions",
      "/webhooks/subscriptions",
      { url: "https://hooks.example.com/conveyor", eventTypes: ["succeeded"], task: "no.such_task" },
      201,
    );
    const id = subscription.body.id as string;
    expect(subscription.headers.get("location")).toBe(`/api/v1/webhooks/subscriptions/${id}`);
    await documented("get", "/webhooks/subscriptions", "/webhooks/subscriptions", undefined, 200);
    await documented("get", "/webhooks/subscriptions/{id}", `/webhooks/subscriptions/${id}`, undefined, 200);
    await documented("patch", "/webhooks/subscriptions/{id}", `/webhooks/subscriptions/${id}`, { active: false }, 200);
    await documented("get", "/webhooks/deliveries", "/webhooks/deliveries?limit=5", undefined, 200);
    await documented("get", "/webhooks/deliveries/{id}", `/webhooks/deliveries/${randomUUID()}`, undefined, 404);
    await documented("get", "/webhooks/secret", "/webhooks/secret", undefined, 200);
    await documented("delete", "/webhooks/subscriptions/{id}", `/webhooks/subscriptions/${id}`, undefined, 200);
  });

  it("issues: create, list, read, edit, enrich", async () => {
    const issue = await documented("post", "/issues", "/issues", { title: "Login page broken", body: "The button does nothing.", labels: ["bug"] }, 201);
    const id = issue.body.id as string;
    await documented("get", "/issues", "/issues?label=bug&limit=5", undefined, 200);
    await documented("get", "/issues/{id}", `/issues/${id}`, undefined, 200);
    await documented("patch", "/issues/{id}", `/issues/${id}`, { title: "Login button does nothing" }, 200);
    await documented("post", "/issues/{id}/enrich", `/issues/${id}/enrich`, undefined, 202);
  });

  it("schedules: create, list, read, edit, pause, resume, run, runs, delete", async () => {
    const schedule = await documented(
      "post",
      "/schedules",
      "/schedules",
      { name: `openapi-${randomUUID()}`, task: "demo.echo", payload: { text: "tick" }, cron: "0 3 * * *", timezone: "Europe/Berlin" },
      201,
    );
    const id = schedule.body.id as string;
    await documented("get", "/schedules", "/schedules?limit=5", undefined, 200);
    await documented("get", "/schedules/{id}", `/schedules/${id}`, undefined, 200);
    await documented("patch", "/schedules/{id}", `/schedules/${id}`, { cron: "0 4 * * *", maxRuns: null }, 200);
    await documented("post", "/schedules/{id}/pause", `/schedules/${id}/pause`, undefined, 200);
    await documented("post", "/schedules/{id}/resume", `/schedules/${id}/resume`, undefined, 200);
    await documented("post", "/schedules/{id}/run", `/schedules/${id}/run`, undefined, 202);
    await documented("get", "/schedules/{id}/runs", `/schedules/${id}/runs?limit=5`, undefined, 200);
    await documented("delete", "/schedules/{id}", `/schedules/${id}`, undefined, 200);
  });

  it("ingestion: providers, a run, its records", async () => {
    await documented("get", "/ingestion/providers", "/ingestion/providers", undefined, 200);
    const run = await documented("post", "/ingestion/jobs", "/ingestion/jobs", { provider: "http", options: { url: `${source.url}/records` } }, 202);
    const id = run.body.id as string;
    await waitFor(async () => (await stack.http("GET", `/api/v1/ingestion/jobs/${id}`)).body, (current) => current.jobStatus === "succeeded", { timeoutMs: 40_000 });
    await documented("get", "/ingestion/jobs/{id}", `/ingestion/jobs/${id}`, undefined, 200);
    await documented("get", "/ingestion/jobs", "/ingestion/jobs?limit=5", undefined, 200);
    await documented("get", "/ingestion/records", `/ingestion/records?runId=${id}`, undefined, 200);
  });

  it("documents: upload, batch, read, chunks, search, delete", async () => {
    const upload = async (template: string, files: { name: string; data: string }[]) => {
      const response = await fetch(`${stack.baseUrl}/api/v1${template}`, {
        method: "POST",
        headers: { authorization: `Bearer ${stack.apiKey}` },
        body: formWith(files, { chunkSize: "200" }),
      });
      const body = (await response.json()) as { id: string };
      expect(response.status).toBe(202);
      expect(validator.responseErrors("post", template, response.status, body)).toEqual([]);
      checked.add(`POST ${template}`);
      return body;
    };
    const document = await upload("/documents", [{ name: "notes.txt", data: "Quokkas live on Rottnest island and are small marsupials." }]);
    await upload("/documents/batch", [{ name: "a.txt", data: "Kayaking among icebergs." }, { name: "b.md", data: "# Bread\n\nSourdough needs flour." }]);
    await waitFor(async () => (await stack.http("GET", `/api/v1/documents/${document.id}`)).body, (current) => current.status === "ready", { timeoutMs: 40_000 });
    await documented("get", "/documents/{id}", `/documents/${document.id}`, undefined, 200);
    await documented("get", "/documents/{id}/chunks", `/documents/${document.id}/chunks?limit=10`, undefined, 200);
    await documented("get", "/documents/search", "/documents/search?q=quokka%20marsupials&k=3", undefined, 200);
    await documented("delete", "/documents/{id}", `/documents/${document.id}`, undefined, 200);
  });

  it("checked an answer of almost every documented route", () => {
    // The rest (openapi.json, metrics, the dashboard's files) answer no JSON schema.
    expect(checked.size).toBeGreaterThanOrEqual(38);
  });
});
