import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigError, loadConfig } from "../../config";
import { ChatCompletionsEnricher } from "../../shared/domains/enrichment/chat-completions-enricher";
import { enricherFromConfig } from "../../shared/domains/enrichment/enricher-from-config";
import { offlineEnricher } from "../../shared/domains/enrichment/offline-enricher";
import { PermanentError, TransientError } from "../../shared/engine/tasks/task-errors";

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const completion = (content: string) => JSON.stringify({ choices: [{ message: { role: "assistant", content } }] });
const issue = { title: "Worker leaks memory", body: "The worker's RSS grows after every reconnect." };

describe("chat-completions enricher", () => {
  let server: Server;
  let handler: Handler;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => handler(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const enricher = (timeoutMs = 2_000) => new ChatCompletionsEnricher({ url, model: "test-model", apiKey: "sk-test", timeoutMs });
  const answer = (status: number, body: string): Handler => (_req, _body, res) => res.writeHead(status, { "content-type": "application/json" }).end(body);
  const enrich = (timeoutMs?: number) => enricher(timeoutMs).enrich(issue, new AbortController().signal);

  it("asks for JSON with the model and key, and normalises the answer", async () => {
    let seen: { path?: string; authorization?: string; body?: Record<string, unknown> } = {};
    handler = (req, body, res) => {
      seen = { path: req.url, authorization: req.headers.authorization, body: JSON.parse(body) };
      answer(200, completion('```json\n{"summary": "  Memory grows after reconnects. ", "tags": ["Memory Leak", "RabbitMQ", "memory leak"]}\n```'))(req, body, res);
    };
    await expect(enrich()).resolves.toEqual({ summary: "Memory grows after reconnects.", tags: ["memory-leak", "rabbitmq"] });
    expect(seen.path).toBe("/v1/chat/completions");
    expect(seen.authorization).toBe("Bearer sk-test");
    expect(seen.body).toMatchObject({ model: "test-model", response_format: { type: "json_object" } });
    expect(JSON.stringify(seen.body)).toContain("Worker leaks memory");
  });

  it("treats 429, 5xx, timeouts and refused connections as transient", async () => {
    handler = answer(429, '{"error": {"message": "rate limited"}}');
    await expect(enrich()).rejects.toThrow(TransientError);
    handler = answer(503, "overloaded");
    await expect(enrich()).rejects.toThrow(/answered 503: overloaded/);
    handler = () => undefined; // never answers
    await expect(enrich(200)).rejects.toThrow(new TransientError(`${url.replace(/\/$/, "")}/chat/completions did not answer within 200 ms`));
    const unreachable = new ChatCompletionsEnricher({ url: "http://127.0.0.1:9", model: "m", timeoutMs: 2_000 });
    await expect(unreachable.enrich(issue, new AbortController().signal)).rejects.toThrow(TransientError);
  });

  it("treats other 4xx and answers that are not the JSON asked for as permanent", async () => {
    handler = answer(400, '{"error": {"message": "unknown model"}}');
    await expect(enrich()).rejects.toThrow(PermanentError);
    handler = answer(200, "<html>proxy error</html>");
    await expect(enrich()).rejects.toThrow(/not a completion/);
    handler = answer(200, completion("Sure! Here is a summary: memory grows."));
    await expect(enrich()).rejects.toThrow(PermanentError);
    handler = answer(200, completion('{"tags": ["x"]}'));
    await expect(enrich()).rejects.toThrow(/summary/);
  });

  it("gives the task's own abort reason when the job is cancelled", async () => {
    handler = () => undefined;
    const controller = new AbortController();
    const pending = enricher().enrich(issue, controller.signal);
    controller.abort(new Error("job cancelled"));
    await expect(pending).rejects.toThrow("job cancelled");
  });
});

describe("enricher from config", () => {
  it("is the offline enricher by default", () => {
    expect(enricherFromConfig(loadConfig({}))).toBe(offlineEnricher);
  });

  it("builds the chat-completions enricher for ENRICHER=openai, which needs a URL and a model", () => {
    const config = loadConfig({ ENRICHER: "openai", ENRICHER_URL: "http://127.0.0.1:11434/v1", ENRICHER_MODEL: "llama3" });
    expect(enricherFromConfig(config).name).toBe("openai:llama3");
    expect(() => loadConfig({ ENRICHER: "openai" })).toThrow(ConfigError);
    expect(() => loadConfig({ ENRICHER: "openai", ENRICHER_URL: "http://x" })).toThrow(/ENRICHER_MODEL: is required when ENRICHER=openai/);
  });
});
