import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { createApiKeyWithId } from "../../shared/db/api-keys";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

// Limits small enough to reach in a test; configuration is read when the stack starts.
process.env.RATE_LIMIT_PER_MINUTE = "200";
process.env.SSE_MAX_STREAMS_PER_KEY = "2";
process.env.API_KEY_CACHE_MS = "500";
process.env.SCHEDULES_MAX_PER_ORGANIZATION = "3";
process.env.SCHEDULE_MIN_INTERVAL_MS = "5000";
process.env.WEBHOOK_SUBSCRIPTIONS_MAX_PER_ORGANIZATION = "2";

const run = promisify(execFile);
type ErrorAnswer = { error: { code: string; message: string } };
const ROOT = path.join(__dirname, "..", "..");

describe("edge limits: stream tokens, revocation, rate and stream limits, per-organization caps", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "webhooks", "schedules"] });
  });
  afterAll(() => stack.stop());

  const freshKey = () => createApiKeyWithId(stack.db, stack.organizationId, `key-${Math.random()}`);
  const asKey = (key: string, method: string, url: string, body?: unknown) =>
    fetch(`${stack.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  /** Opens an event stream with `?query` and answers its status (and the first bytes when it opened). */
  const openStream = async (query: string, controller = new AbortController()) => {
    const response = await fetch(`${stack.baseUrl}/api/v1/jobs/stream?${query}`, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    if (response.status !== 200) return { status: response.status, error: ((await response.json()) as ErrorAnswer).error, first: "", controller };
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    return { status: 200, error: undefined, first, controller };
  };

  it("never takes an API key in a URL; a stream token opens event streams and nothing else", async () => {
    const byKeyInUrl = await openStream(`apiKey=${stack.apiKey}`);
    expect(byKeyInUrl.status).toBe(401);
    expect(byKeyInUrl.error?.message).toMatch(/not accepted in URLs/);

    const grant = await stack.http("POST", "/api/v1/stream-tokens");
    expect(grant.status).toBe(200);
    expect(grant.body.token).toMatch(/^cvs_/);
    expect(grant.body.token).not.toContain(stack.apiKey);
    expect(new Date(grant.body.expiresAt).getTime()).toBeGreaterThan(Date.now());

    const stream = await openStream(`token=${encodeURIComponent(grant.body.token)}`);
    expect(stream.status).toBe(200);
    expect(stream.first).toContain(": connected");
    stream.controller.abort();

    // Not a key: no other call accepts it, in a URL or as a bearer token.
    expect((await fetch(`${stack.baseUrl}/api/v1/jobs?token=${encodeURIComponent(grant.body.token)}`)).status).toBe(401);
    expect((await asKey(grant.body.token, "GET", "/api/v1/jobs")).status).toBe(401);
    // A forged or tampered token is refused.
    expect((await openStream(`token=${encodeURIComponent(grant.body.token.slice(0, -2) + "xx")}`)).status).toBe(401);
  });

  it("revokes a key from the command line: it and its stream tokens stop within the cache bound", async () => {
    const { id, key } = await freshKey();
    expect((await asKey(key, "GET", "/api/v1/jobs")).status).toBe(200);
    const token = ((await (await asKey(key, "POST", "/api/v1/stream-tokens")).json()) as { token: string }).token;
    const { stdout } = await run(process.execPath, ["bin/conveyor.js", "apikey", "revoke", id], { cwd: ROOT, env: process.env });
    expect(stdout).toContain(`revoked key ${id}`);
    await waitFor(async () => (await asKey(key, "GET", "/api/v1/jobs")).status, (status) => status === 401, { timeoutMs: 5_000 });
    expect((await openStream(`token=${encodeURIComponent(token)}`)).status).toBe(401);
    await expect(run(process.execPath, ["bin/conveyor.js", "apikey", "revoke", id], { cwd: ROOT, env: process.env })).rejects.toMatchObject({ code: 5 });
  });

  it("answers 429 with Retry-After past a key's request rate, without slowing another key", async () => {
    const { key } = await freshKey();
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let index = 0; index < 230 && !limited; index += 1) {
      const response = await asKey(key, "GET", "/api/v1/tasks");
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(limited).toBeDefined();
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(150);
    expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited!.json()) as ErrorAnswer).error.code).toBe("RATE_LIMITED");
    expect((await stack.http("GET", "/api/v1/tasks")).status).toBe(200);
  });

  it("caps the event streams one key holds open", async () => {
    const { key } = await freshKey();
    const tokenFor = async () => ((await (await asKey(key, "POST", "/api/v1/stream-tokens")).json()) as { token: string }).token;
    const first = await openStream(`token=${encodeURIComponent(await tokenFor())}`);
    const second = await openStream(`token=${encodeURIComponent(await tokenFor())}`);
    const third = await openStream(`token=${encodeURIComponent(await tokenFor())}`);
    expect([first.status, second.status, third.status]).toEqual([200, 200, 429]);
    expect(third.error?.code).toBe("TOO_MANY_STREAMS");
    first.controller.abort();
    // A closed stream gives its slot back.
    const again = await waitFor(async () => openStream(`token=${encodeURIComponent(await tokenFor())}`), (result) => result.status === 200, { timeoutMs: 5_000 });
    again.controller.abort();
    second.controller.abort();
  });

  it("refuses a Last-Event-ID that does not parse with 400, not a silent close", async () => {
    const token = (await stack.http("POST", "/api/v1/stream-tokens")).body.token as string;
    const response = await fetch(`${stack.baseUrl}/api/v1/jobs/stream?token=${encodeURIComponent(token)}`, {
      headers: { accept: "text/event-stream", "last-event-id": "12; DROP TABLE jobs" },
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorAnswer).error.code).toBe("INVALID_LAST_EVENT_ID");
  });

  it("caps schedules (count and shortest interval) and webhook subscriptions per organization", async () => {
    const tooOften = await stack.http("POST", "/api/v1/schedules", { name: "every-second", task: "demo.echo", payload: { text: "x" }, cron: "* * * * * *" });
    expect(tooOften.status).toBe(422);
    expect(JSON.stringify(tooOften.body.error.details)).toMatch(/SCHEDULE_MIN_INTERVAL_MS/);
    const statuses: number[] = [];
    for (let index = 0; index < 4; index += 1) {
      statuses.push((await stack.http("POST", "/api/v1/schedules", { name: `s${index}`, task: "demo.echo", payload: { text: "x" }, intervalMs: 60_000 })).status);
    }
    expect(statuses).toEqual([201, 201, 201, 422]);
    const subscriptions: { status: number; body: { error?: { code: string } } }[] = [];
    for (let index = 0; index < 3; index += 1) {
      subscriptions.push(await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: `http://127.0.0.1:9/hook${index}` }));
    }
    expect(subscriptions.map((answer) => answer.status)).toEqual([201, 201, 422]);
    expect(subscriptions[2].body.error?.code).toBe("LIMIT_REACHED");
  });
});
