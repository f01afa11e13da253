import { openApiDocument } from "../../services/gateway/openapi";
import { documentedRoutes, documentValidator, gatewayRoutes } from "../support/openapi-routes";

const key = ({ method, path }: { method: string; path: string }) => `${method.toUpperCase()} ${path}`;

describe("the OpenAPI document and the gateway's routes", () => {
  it("documents every route the gateway serves, and no route it does not", () => {
    const served = gatewayRoutes().map(key).sort();
    const documented = documentedRoutes().map(key).sort();
    expect(served.length).toBeGreaterThan(40);
    expect(documented).toEqual(served);
  });

  it("documents the SSE stream and the fields that once drifted", () => {
    const schemas = openApiDocument().components.schemas as Record<string, { properties: Record<string, unknown> }>;
    expect(Object.keys(schemas.EnqueueRequest.properties)).toContain("callbackUrl");
    expect(Object.keys(schemas.Job.properties)).toEqual(expect.arrayContaining(["organizationId", "callbackUrl", "updatedAt"]));
    const stream = (openApiDocument().paths as Record<string, { get?: { responses: Record<string, { content?: object }> } }>)["/jobs/stream"];
    expect(Object.keys(stream.get?.responses[200].content ?? {})).toEqual(["text/event-stream"]);
  });

  it("has request schemas that accept what the API accepts and refuse what it refuses", () => {
    const validator = documentValidator();
    expect(validator.requestErrors("post", "/jobs", { task: "demo.echo", payload: { text: "hi" }, callbackUrl: "https://example.com/hook" })).toEqual([]);
    expect(validator.requestErrors("post", "/jobs", { task: "demo.echo", nope: 1 })).not.toEqual([]);
    expect(validator.requestErrors("patch", "/issues/{id}", { labels: ["a"] })).toEqual([]);
    expect(validator.requestErrors("post", "/schedules", { name: "n", task: "demo.echo", intervalMs: 60_000 })).toEqual([]);
  });

  it("has response schemas that a stray field fails", () => {
    const validator = documentValidator();
    const errors = validator.responseErrors("get", "/health", 200, { status: "ok", extra: true });
    expect(errors).toEqual([expect.stringMatching(/additional properties/)]);
    expect(validator.responseErrors("get", "/health", 200, { status: "ok" })).toEqual([]);
  });
});
