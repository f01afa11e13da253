import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

/**
 * A local server speaking the OpenAI chat-completions API. The issue title steers it: `[503x2]` fails
 * the first two requests for that title with 503, `[400]` always answers 400; anything else gets a JSON
 * answer naming the title.
 */
async function startFakeLlm() {
  const requests: { title: string; status: number; authorization?: string; model: string; format: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const title = /^Title: (.*)$/m.exec(request.messages[1].content)?.[1] ?? "";
      const earlier = requests.filter((seen) => seen.title === title).length;
      const status = req.url !== "/v1/chat/completions" ? 404 : title.includes("[400]") ? 400 : title.includes("[503x2]") && earlier < 2 ? 503 : 200;
      requests.push({ title, status, authorization: req.headers.authorization, model: request.model, format: request.response_format });
      if (status !== 200) {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `fake ${status}` } }));
        return;
      }
      const content = JSON.stringify({ summary: `The reporter says: ${title}.`, tags: ["LLM", "Memory Leak", "llm"] });
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("enrichment with an OpenAI-compatible chat-completions API", () => {
  let stack: Stack;
  let llm: Awaited<ReturnType<typeof startFakeLlm>>;
  beforeAll(async () => {
    llm = await startFakeLlm();
    // Read once per test file, when the stack first asks for its configuration.
    Object.assign(process.env, { ENRICHER: "openai", ENRICHER_URL: llm.url, ENRICHER_MODEL: "fake-gpt", ENRICHER_API_KEY: "sk-fake" });
    stack = await startStack({ services: ["gateway", "auth", "jobs", "enrichment"] });
  });
  afterAll(async () => {
    await stack.stop();
    await llm.close();
  });

  const createIssue = async (title: string) => {
    const response = await stack.http("POST", "/api/v1/issues", { title, body: "The worker's memory grows after every reconnect." });
    expect(response.status).toBe(201);
    return response.body as { id: string; enrichment: { jobId: string } };
  };
  const finished = (jobId: string) => waitFor(() => stack.job(jobId), (job) => ["succeeded", "failed"].includes(job.status), { timeoutMs: 30_000 });
  const eventTypes = async (jobId: string) =>
    (await stack.db("job_events").where("job_id", jobId).orderBy("id").select<{ type: string }[]>("type")).map((row) => row.type);

  it("fills the summary and tags from the model's JSON answer", async () => {
    const issue = await createIssue("Worker leaks memory");
    expect((await finished(issue.enrichment.jobId)).status).toBe("succeeded");
    const { body } = await stack.http("GET", `/api/v1/issues/${issue.id}`);
    expect(body.aiSummary).toBe("The reporter says: Worker leaks memory.");
    expect(body.tags).toEqual(["llm", "memory-leak"]);
    expect(body.enrichment).toMatchObject({ status: "succeeded", enricher: "openai:fake-gpt", enrichedVersion: 1 });
    const seen = llm.requests.find((request) => request.title === "Worker leaks memory");
    expect(seen).toMatchObject({ authorization: "Bearer sk-fake", model: "fake-gpt", format: { type: "json_object" } });
  });

  it("retries 503s with backoff and succeeds on the third attempt", async () => {
    const issue = await createIssue("Overloaded model [503x2]");
    const job = await finished(issue.enrichment.jobId);
    expect(job.status).toBe("succeeded");
    expect(job.attempts).toBe(3);
    expect(llm.requests.filter((request) => request.title === "Overloaded model [503x2]").map((request) => request.status)).toEqual([503, 503, 200]);
    const transitions = (await eventTypes(job.id)).filter((type) => type !== "progress");
    expect(transitions).toEqual(["queued", "running", "retrying", "running", "retrying", "running", "succeeded"]);
    const { body } = await stack.http("GET", `/api/v1/issues/${issue.id}`);
    expect(body.aiSummary).toBe("The reporter says: Overloaded model [503x2].");
  });

  it("fails a 400 at once, without retrying, and leaves the issue unenriched", async () => {
    const issue = await createIssue("Refused prompt [400]");
    const job = await finished(issue.enrichment.jobId);
    expect(job.status).toBe("failed");
    expect(job.attempts).toBe(1);
    expect(job.error).toMatchObject({ type: "PermanentError", message: expect.stringContaining("answered 400") });
    expect(llm.requests.filter((request) => request.title === "Refused prompt [400]")).toHaveLength(1);
    const { body } = await stack.http("GET", `/api/v1/issues/${issue.id}`);
    expect(body).toMatchObject({ aiSummary: null, tags: [], enrichment: { status: "failed", enrichedVersion: null } });
  });
});
