import { createServer, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { PermanentError, TransientError } from "../../shared/engine/tasks/task-errors";
import { OpenAiEmbedder } from "../../shared/domains/documents/openai-embedder";

/** A local /embeddings endpoint that answers each request with the next queued status and body. */
async function endpoint(answers: { status: number; body: unknown }[]): Promise<{ url: string; bodies: unknown[]; close(): Promise<void> }> {
  const bodies: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
    req.on("end", () => {
      bodies.push(JSON.parse(text));
      const answer = answers.shift() ?? { status: 500, body: {} };
      res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const signal = new AbortController().signal;

describe("OpenAiEmbedder", () => {
  it("sends the model and inputs, and returns unit vectors in input order", async () => {
    const api = await endpoint([{ status: 200, body: { data: [{ index: 1, embedding: [0, 2] }, { index: 0, embedding: [3, 4] }] } }]);
    try {
      const embedder = new OpenAiEmbedder({ url: api.url, model: "m", timeoutMs: 5_000 });
      expect(await embedder.embed(["first", "second"], signal)).toEqual([
        [0.6, 0.8],
        [0, 1],
      ]);
      expect(api.bodies).toEqual([{ model: "m", input: ["first", "second"] }]);
      expect(embedder.name).toBe("openai:m");
    } finally {
      await api.close();
    }
  });

  it("calls 429 and 5xx transient, and a 400 or a wrong number of embeddings permanent", async () => {
    const api = await endpoint([
      { status: 429, body: {} },
      { status: 502, body: {} },
      { status: 400, body: { error: "bad model" } },
      { status: 200, body: { data: [{ index: 0, embedding: [1] }] } },
    ]);
    try {
      const embedder = new OpenAiEmbedder({ url: api.url, model: "m", timeoutMs: 5_000 });
      await expect(embedder.embed(["a"], signal)).rejects.toBeInstanceOf(TransientError);
      await expect(embedder.embed(["a"], signal)).rejects.toBeInstanceOf(TransientError);
      await expect(embedder.embed(["a"], signal)).rejects.toBeInstanceOf(PermanentError);
      await expect(embedder.embed(["a", "b"], signal)).rejects.toThrow(/did not answer with 2 embeddings/);
    } finally {
      await api.close();
    }
  });
});
