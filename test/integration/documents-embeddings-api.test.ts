import { mkdtempSync, readdirSync } from "node:fs";
import { createServer, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { formWith } from "../support/document-files";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), "conveyor-uploads-"));

/**
 * An OpenAI-compatible /embeddings endpoint: answers with the queued statuses first (then 200 with
 * 8-dimensional letter-count vectors), or holds every request unanswered while `hold` is set.
 */
function fakeEmbeddingsApi() {
  const state = { failures: [] as number[], hold: false, requests: 0, held: [] as ServerResponse[] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      state.requests++;
      if (state.hold) {
        state.held.push(res);
        return;
      }
      const failure = state.failures.shift();
      if (failure) {
        res.writeHead(failure).end("try later");
        return;
      }
      const { input } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { input: string[] };
      const data = input.map((text, index) => ({
        index,
        embedding: Array.from({ length: 8 }, (_, dim) => [...text.toLowerCase()].filter((char) => char.charCodeAt(0) % 8 === dim).length),
      }));
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data }));
    });
  });
  return { state, server };
}

describe("documents with an OpenAI-compatible embeddings API", () => {
  let stack: Stack;
  const api = fakeEmbeddingsApi();
  beforeAll(async () => {
    await new Promise<void>((resolve) => api.server.listen(0, "127.0.0.1", resolve));
    // Read by config() when the stack starts.
    process.env.UPLOAD_DIR = UPLOAD_DIR;
    process.env.EMBEDDER = "openai";
    process.env.EMBEDDER_URL = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}/v1`;
    process.env.EMBEDDER_MODEL = "fake-embedding";
    stack = await startStack({ services: ["gateway", "auth", "jobs", "documents"] });
  });
  afterAll(async () => {
    api.state.held.forEach((res) => res.destroy());
    await stack.stop();
    await new Promise<void>((resolve) => api.server.close(() => resolve()));
  });

  async function upload(name: string, text: string) {
    const response = await fetch(`${stack.baseUrl}/api/v1/documents`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}` },
      body: formWith([{ name, data: text }], { chunkSize: "100", overlap: "0" }),
    });
    expect(response.status).toBe(202);
    return (await response.json()) as { id: string; job: { id: string } };
  }

  const chunkCount = async (documentId: string) =>
    (await stack.db.raw("SELECT count(*)::int AS n FROM document_chunks WHERE document_id = ?", [documentId])).rows[0].n as number;

  it("retries a 503 from the embeddings API with backoff, then stores the chunks", async () => {
    api.state.failures.push(503);
    const document = await upload("retry.txt", "Words to embed after one failure. ".repeat(10));
    const job = await waitFor(() => stack.job(document.job.id), (job) => job.status === "succeeded", { timeoutMs: 30_000 });
    expect(job.attempts).toBe(2);
    const done = (await stack.http("GET", `/api/v1/documents/${document.id}`)).body;
    expect(done).toMatchObject({ status: "ready", embedder: "openai:fake-embedding" });
    expect(await chunkCount(document.id)).toBe(done.chunkCount);
    const { items } = (await stack.http("GET", "/api/v1/documents/search?q=embed%20failure&k=1")).body;
    expect(items[0].documentId).toBe(document.id);
  });

  it("cancelling a job mid-way (while it embeds) leaves no chunks and no file behind", async () => {
    api.state.hold = true;
    const requestsBefore = api.state.requests;
    const document = await upload("cancel.txt", "A long text that will never finish embedding. ".repeat(200));
    // The job is in its embedding stage: progress 50, and the API has its first batch.
    await waitFor(() => stack.job(document.job.id), (job) => job.progress?.step === "embedding");
    await waitFor(async () => api.state.requests, (requests) => requests > requestsBefore);
    const cancelled = await stack.http("DELETE", `/api/v1/jobs/${document.job.id}`);
    expect(cancelled.status).toBe(200);

    const settled = await waitFor(
      async () => (await stack.http("GET", `/api/v1/documents/${document.id}`)).body,
      (body) => body.status === "cancelled",
    );
    expect(settled.chunkCount).toBe(0);
    expect(settled.job.status).toBe("cancelled");
    expect(await chunkCount(document.id)).toBe(0);
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
    api.state.hold = false;
  });
});
