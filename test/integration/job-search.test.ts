import { randomUUID } from "node:crypto";
import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import { MAX_PAYLOAD_SEARCH_CHARS } from "../../shared/http/job-params";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

interface Page {
  items: { id: string; status: string; scheduleId: string | null; payload: Record<string, unknown> }[];
  nextCursor: string | null;
}

/** GET /api/v1/jobs (search) through the gateway: id, schedule and payload content with the other filters and the cursor. */
describe("job search", () => {
  let stack: Stack;
  let otherKey: string;
  const run = randomUUID(); // payloads of this run only, whatever the database holds

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "schedules"] });
    otherKey = await createApiKey(stack.db, await createOrganization(stack.db, `other-${Date.now()}`), "other");
  });
  afterAll(() => stack.stop());

  const search = async (query: Record<string, string>, key?: string) => {
    const response = await stack.http("GET", `/api/v1/jobs?${new URLSearchParams(query)}`, undefined, key ? { authorization: `Bearer ${key}` } : {});
    return response as { status: number; body: Page & { error?: { code: string; details: { path: string; message: string }[] } } };
  };
  const enqueue = async (payload: object, key?: string) => {
    const response = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload }, key ? { authorization: `Bearer ${key}` } : {});
    expect(response.status).toBe(202);
    return response.body.id as string;
  };

  it("finds jobs by payload content (nested, with other filters) and by id, only in the caller's organization", async () => {
    const blue = await enqueue({ text: "blue", run, customer: { id: 7, tier: "gold" } });
    const red = await enqueue({ text: "red", run, customer: { id: 8, tier: "gold" } });
    const theirs = await enqueue({ text: "blue", run, customer: { id: 7, tier: "gold" } }, otherKey);
    await waitFor(() => stack.job(red), (job) => job.status === "succeeded");

    const ids = (page: Page) => page.items.map((job) => job.id).sort();
    expect(ids((await search({ payload: JSON.stringify({ run, customer: { id: 7 } }) })).body)).toEqual([blue]);
    expect(ids((await search({ payload: JSON.stringify({ run, customer: { tier: "gold" } }) })).body)).toEqual([blue, red].sort());
    expect(ids((await search({ payload: JSON.stringify({ run, text: "red" }), status: "succeeded", task: "demo.echo" })).body)).toEqual([red]);
    expect(ids((await search({ payload: JSON.stringify({ run, text: "red" }), status: "queued" })).body)).toEqual([]);
    // Unfinished jobs are found too (they are searched apart from finished ones).
    const waiting = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "later", run }, delayMs: 3_600_000 });
    expect(ids((await search({ payload: JSON.stringify({ run, text: "later" }) })).body)).toEqual([waiting.body.id]);

    expect(ids((await search({ id: blue })).body)).toEqual([blue]);
    expect(ids((await search({ id: blue, status: "failed" })).body)).toEqual([]);
    expect(ids((await search({ id: theirs })).body)).toEqual([]);
    expect(ids((await search({ payload: JSON.stringify({ run, text: "blue" }) }, otherKey)).body)).toEqual([theirs]);
  });

  it("finds the jobs a schedule fired", async () => {
    const created = await stack.http("POST", "/api/v1/schedules", { name: `search-${run}`, task: "demo.echo", payload: { text: "tick", run }, intervalMs: 3_600_000 });
    expect(created.status).toBe(201);
    const fired = [];
    for (let n = 0; n < 2; n++) fired.push(await stack.http("POST", `/api/v1/schedules/${created.body.id}/run`)); // one at a time: a run's fire time is unique
    await enqueue({ text: "tick", run }); // same payload, no schedule
    const page = (await search({ scheduleId: created.body.id })).body;
    expect(page.items.map((job) => job.id).sort()).toEqual(fired.map((response) => response.body.job.id).sort());
    expect(page.items.every((job) => job.scheduleId === created.body.id)).toBe(true);
    expect((await search({ scheduleId: created.body.id }, otherKey)).body.items).toEqual([]);
  });

  it("pages through search results with the cursor", async () => {
    const bulk = await stack.http("POST", "/api/v1/jobs/bulk", { jobs: Array.from({ length: 7 }, (_, n) => ({ task: "demo.echo", payload: { text: "page", run, n } })) });
    expect(bulk.status).toBe(202);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: Record<string, string> = { payload: JSON.stringify({ run, text: "page" }), limit: "3", ...(cursor ? { cursor } : {}) };
      const { body } = await search(query);
      seen.push(...body.items.map((job) => job.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual(bulk.body.jobs.map((job: { id: string }) => job.id).sort());
  });

  it("answers a bad search with 422 and says which parameter", async () => {
    const bad: Record<string, string>[] = [
      { payload: "not json" },
      { payload: "[1, 2]" },
      { payload: "42" },
      { payload: "{}" },
      { payload: JSON.stringify({ text: "x".repeat(MAX_PAYLOAD_SEARCH_CHARS) }) },
      { payload: JSON.stringify({ text: "nul \u0000" }) },
      { id: "not-a-uuid" },
      { scheduleId: "nope" },
    ];
    for (const query of bad) {
      const { status, body } = await search(query);
      expect({ query, status, code: body.error?.code }).toEqual({ query, status: 422, code: "VALIDATION_FAILED" });
      expect(body.error?.details.map((detail) => detail.path)).toEqual([Object.keys(query)[0]]);
    }
    // A lone surrogate is valid JSON text that Postgres cannot hold: refused, not a server error.
    expect((await search({ payload: '{"text":"\\ud800"}' })).status).toBe(422);
    // The bracket form (payload[text]=x) is a structure, not the JSON text search takes.
    expect((await stack.http("GET", "/api/v1/jobs?payload[text]=x")).status).toBe(422);
  });
});
