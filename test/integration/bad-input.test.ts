import { startStack, Stack } from "../support/stack";

describe("bad input gets a clear 4xx JSON error and the service stays up", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  afterEach(async () => {
    const health = await stack.http("GET", "/health");
    expect(health.status).toBe(200);
  });

  const expectError = (response: { status: number; body: any }, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(typeof response.body.error.message).toBe("string");
    expect(JSON.stringify(response.body)).not.toMatch(/at .*\.(ts|js):\d+/); // no stack traces
  };

  it("rejects malformed JSON", async () => {
    expectError(await stack.http("POST", "/api/v1/jobs", '{"task": "demo.echo",'), 400, "MALFORMED_JSON");
  });

  it("rejects an unknown task and lists the known ones", async () => {
    const response = await stack.http("POST", "/api/v1/jobs", { task: "nope.missing", payload: {} });
    expectError(response, 422, "UNKNOWN_TASK");
    expect(response.body.error.details.known).toContain("demo.echo");
  });

  it("rejects a payload that fails the task's schema, naming the field", async () => {
    const response = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: 42 } });
    expectError(response, 422, "VALIDATION_FAILED");
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: "text" })]);
  });

  it("rejects unknown fields and bad options", async () => {
    expectError(await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, colour: "red" }), 422, "VALIDATION_FAILED");
    expectError(await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, maxAttempts: 0 }), 422, "VALIDATION_FAILED");
    expectError(await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, delayMs: 10, runAt: new Date().toISOString() }), 422, "VALIDATION_FAILED");
  });

  it("rejects an oversized body with 413", async () => {
    const response = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x".repeat(2 * 1024 * 1024) } });
    expectError(response, 413, "PAYLOAD_TOO_LARGE");
  });

  it("rejects a bulk request with a bad job, naming its index, and enqueues none of it", async () => {
    const before = await stack.db("jobs").where("organization_id", stack.organizationId).count<{ count: string }[]>("* as count");
    const response = await stack.http("POST", "/api/v1/jobs/bulk", {
      jobs: [{ task: "demo.echo", payload: { text: "fine" } }, { task: "demo.echo", payload: {} }],
    });
    expectError(response, 422, "VALIDATION_FAILED");
    expect(response.body.error.message).toMatch(/^jobs\[1\]/);
    const after = await stack.db("jobs").where("organization_id", stack.organizationId).count<{ count: string }[]>("* as count");
    expect(after[0].count).toBe(before[0].count);
    expectError(await stack.http("POST", "/api/v1/jobs/bulk", { jobs: [] }), 422, "VALIDATION_FAILED");
  });

  it("rejects malformed ids and cursors", async () => {
    expectError(await stack.http("GET", "/api/v1/jobs/not-a-uuid"), 422, "VALIDATION_FAILED");
    expectError(await stack.http("GET", "/api/v1/jobs?cursor=garbage"), 422, "INVALID_CURSOR");
    expectError(await stack.http("GET", "/api/v1/jobs?status=sleeping"), 422, "VALIDATION_FAILED");
  });

  it("answers 404 for a missing job and for another organization's job", async () => {
    expectError(await stack.http("GET", "/api/v1/jobs/00000000-0000-4000-8000-000000000000"), 404, "NOT_FOUND");
    const other = await startStack({ services: [] });
    try {
      const { body: mine } = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "mine" } });
      const theirs = await fetch(`${stack.baseUrl}/api/v1/jobs/${mine.id}`, { headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(theirs.status).toBe(404);
      const cancel = await fetch(`${stack.baseUrl}/api/v1/jobs/${mine.id}`, { method: "DELETE", headers: { authorization: `Bearer ${other.apiKey}` } });
      expect(cancel.status).toBe(404);
    } finally {
      await other.stop();
    }
  });

  it("answers 401 without a key and with a wrong key", async () => {
    const missing = await fetch(`${stack.baseUrl}/api/v1/jobs`);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    expectError(await stack.http("GET", "/api/v1/jobs", undefined, { authorization: "Bearer cvy_wrong" }), 401, "UNAUTHORIZED");
  });

  it("answers 404 JSON for an unknown route", async () => {
    expectError(await stack.http("GET", "/api/v1/nothing-here"), 404, "NOT_FOUND");
  });

  it("serves the OpenAPI document and readiness", async () => {
    const openapi = await fetch(`${stack.baseUrl}/api/v1/openapi.json`);
    expect(openapi.status).toBe(200);
    const document = (await openapi.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(document.openapi).toBe("3.1.0");
    expect(Object.keys(document.paths)).toContain("/jobs/{id}");
    const ready = await fetch(`${stack.baseUrl}/ready`);
    expect(ready.status).toBe(200);
  });
});
