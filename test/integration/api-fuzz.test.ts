import fc from "fast-check";
import { startStack, Stack } from "../support/stack";

/**
 * Hostile requests generated from the OpenAPI document, against the running gateway with every
 * service: each answer must be a 2xx or 4xx with a JSON body (never a 5xx, never a bare socket
 * close), and the gateway must still be up afterwards. FUZZ_SEED replays a run; FUZZ_RUNS sets its size.
 */
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_200);

interface Parameter {
  name: string;
  in: "path" | "query" | "header";
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
}
type PathItem = { servers?: { url: string }[] } & Partial<Record<"get" | "post" | "patch" | "delete", Operation>>;
interface SchemaObject {
  $ref?: string;
  properties?: Record<string, SchemaObject>;
}
interface OpenApi {
  servers: { url: string }[];
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, SchemaObject> };
}

const deepJson = (depth: number): unknown => (depth === 0 ? "bottom" : { nested: deepJson(depth - 1) });

/** Values meant to break things: wrong types, extremes, NUL, lone surrogates, traversal, deep and huge JSON. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string().map((text) => `${text}\u0000${text}`),
  fc.constantFrom("\ud800", "../../../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%00", "' OR 1=1 --", "<script>alert(1)</script>", "", " "),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 3e9, Number.MIN_SAFE_INTEGER),
  fc.boolean(),
  fc.constant(null),
  fc.uuid(),
  fc.constant("x".repeat(100_000)),
  fc.constant(deepJson(200)),
  fc.array(fc.anything(), { maxLength: 5 }),
  fc.object({ maxDepth: 3 }),
);

/** A query or path value as text (lone surrogates replaced: a URL cannot carry them). */
const hostileText: fc.Arbitrary<string> = hostileValue
  .map((value) => (typeof value === "string" ? value : JSON.stringify(value) ?? "undefined"))
  .map((text) => text.slice(0, 4_000).replace(/[\ud800-\udfff]/g, "\ufffd"));

describe("API fuzz: hostile requests from the OpenAPI document", () => {
  let stack: Stack;
  let document: OpenApi;

  beforeAll(async () => {
    stack = await startStack({
      services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks", "schedules", "enrichment", "documents", "ingestion"],
    });
    document = (await stack.http("GET", "/api/v1/openapi.json")).body as OpenApi;
  });
  afterAll(() => stack.stop());

  const bodyProperties = (operation: Operation): string[] => {
    let schema = operation.requestBody?.content?.["application/json"]?.schema;
    if (schema?.$ref) schema = document.components.schemas[schema.$ref.split("/").pop() as string];
    return Object.keys(schema?.properties ?? {});
  };

  it(`answers every one of ${RUNS} hostile requests with 2xx or 4xx JSON, and stays up`, async () => {
    const operations = Object.entries(document.paths).flatMap(([route, item]) =>
      (["get", "post", "patch", "delete"] as const)
        .filter((method) => item[method] !== undefined)
        .map((method) => ({ route, method: method.toUpperCase(), operation: item[method] as Operation, base: item.servers?.[0]?.url ?? document.servers[0].url })),
    );
    const request = fc.record({
      operation: fc.constantFrom(...operations),
      pathValue: hostileText,
      extraQuery: fc.boolean(),
      query: fc.dictionary(fc.constantFrom("limit", "cursor", "status", "task", "queue", "jobId", "lastEventId", "q", "token", "apiKey", "afterId"), hostileText, { maxKeys: 3 }),
      bodyKind: fc.constantFrom("shaped", "any", "raw", "none"),
      fields: fc.array(hostileValue, { minLength: 8, maxLength: 8 }),
      anyBody: hostileValue,
      rawBody: fc.constantFrom("{", "[1,2", "null", "\"text\"", "{\"a\":1}}", "\u0000", "x".repeat(2_000_000)),
      header: fc.option(fc.constantFrom<[string, string]>(["last-event-id", "abc"], ["last-event-id", "9".repeat(40)], ["x-filler", "y".repeat(20_000)], ["content-type", "text/plain"], ["accept", "text/event-stream"]), { nil: undefined }),
    });
    const samples = fc.sample(request, { numRuns: RUNS, seed: SEED });
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    for (const sample of samples) {
      const { operation } = sample;
      const queryParams = new Set((operation.operation.parameters ?? []).filter((param) => param.in === "query").map((param) => param.name));
      const path = operation.route.replace(/\{[^}]+\}/g, () => encodeURIComponent(sample.pathValue || "x"));
      const url = new URL(`${stack.baseUrl}${operation.base}${path}`);
      for (const [name, value] of Object.entries(sample.query)) if (queryParams.has(name) || sample.extraQuery) url.searchParams.set(name, value);
      let body: string | undefined;
      if (operation.method !== "GET" && operation.method !== "DELETE") {
        const properties = bodyProperties(operation.operation);
        if (sample.bodyKind === "shaped") body = JSON.stringify(Object.fromEntries(properties.map((name, index) => [name, sample.fields[index % sample.fields.length]])));
        else if (sample.bodyKind === "any") body = JSON.stringify(sample.anyBody) ?? "null";
        else if (sample.bodyKind === "raw") body = sample.rawBody;
      }
      const headers: Record<string, string> = { authorization: `Bearer ${stack.apiKey}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) };
      if (sample.header) headers[sample.header[0]] = sample.header[1];
      const label = `${operation.method} ${url.pathname.slice(0, 120)}${url.search.slice(0, 120)} [${sample.bodyKind}${sample.header ? ` ${sample.header[0]}` : ""}]`;
      const controller = new AbortController();
      try {
        const response = await fetch(url, { method: operation.method, headers, body, signal: controller.signal });
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const type = response.headers.get("content-type") ?? "";
        if (type.startsWith("text/event-stream")) {
          controller.abort(); // an open stream is a 200; its events are checked elsewhere
          if (response.status !== 200) failures.push(`${label}: event stream answered ${response.status}`);
          continue;
        }
        const text = await response.text();
        if (response.status >= 500) failures.push(`${label}: ${response.status} ${text.slice(0, 200)}`);
        else if (!(response.status < 300 && /^(text\/(html|css|javascript|plain))/.test(type))) {
          try {
            JSON.parse(text);
            if (!type.includes("application/json")) failures.push(`${label}: JSON without a JSON content-type (${type})`);
          } catch {
            failures.push(`${label}: ${response.status} with a body that is not JSON: ${text.slice(0, 100)}`);
          }
        }
      } catch (error) {
        failures.push(`${label}: no answer (${(error as Error).message})`);
      }
    }
    process.stdout.write(`API fuzz: ${samples.length} requests, seed ${SEED} (FUZZ_SEED=${SEED} replays it); statuses ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    expect({ seed: SEED, failures: failures.slice(0, 20), count: failures.length }).toEqual({ seed: SEED, failures: [], count: 0 });
    expect(samples.length).toBeGreaterThanOrEqual(1_000);
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(200);
    expect((await stack.http("GET", "/api/v1/jobs?limit=1")).status).toBe(200);
  }, 600_000);
});
