import { randomUUID } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { processDocument } from "../../services/documents.tasks";
import { config } from "../../config";
import { findDocument } from "../../shared/db/documents/find-document";
import { insertDocument } from "../../shared/db/documents/insert-document";
import { listChunks } from "../../shared/db/documents/list-chunks";
import type { Db } from "../../shared/db/knex";
import type { DocumentContentType } from "../../shared/domains/documents/document-types";
import { hashedEmbedder } from "../../shared/domains/documents/hashed-embedder";
import { runTask } from "../../shared/testing/run-task";
import { sendJson, startRecordSource } from "../support/record-source";
import { openTaskDatabase } from "../support/task-database";

const PARAGRAPH = "Conveyor stores each uploaded document as chunks with embeddings, so search can find the passage that answers a question.";

describe("processDocument, run eagerly against the run's database", () => {
  let db: Db;
  let organizationId: string;
  const folder = mkdtempSync(path.join(tmpdir(), "conveyor-documents-"));
  beforeAll(async () => {
    ({ db, organizationId } = await openTaskDatabase());
  });
  afterAll(async () => {
    await db.destroy();
    rmSync(folder, { recursive: true, force: true });
  });

  /** A document row for a file written to disk, as an upload leaves it. */
  async function uploaded(filename: string, content: string | Buffer, contentType: DocumentContentType) {
    const storedPath = path.join(folder, `${randomUUID()}-${filename}`);
    writeFileSync(storedPath, content);
    return insertDocument(db, organizationId, { filename, contentType, sizeBytes: Buffer.byteLength(content), storedPath, chunkSize: 200, overlap: 20 });
  }
  const options = () => ({ runtime: { db }, organizationId });

  it("cuts a text file into chunks embedded by the configured (offline) embedder, marks it ready and removes the file", async () => {
    const document = await uploaded("notes.txt", Array(6).fill(PARAGRAPH).join("\n\n"), "text/plain");
    const run = await runTask(processDocument, { documentId: document.id }, options());
    expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { documentId: document.id, embedder: hashedEmbedder.name } });
    const chunkCount = run.result?.chunkCount ?? 0;
    expect(chunkCount).toBeGreaterThan(1);
    expect(run.progress.map((step) => step.step)).toEqual(["extracting", "chunking", "embedding", "storing", "done"]);

    expect(await findDocument(db, organizationId, document.id)).toMatchObject({ status: "ready", chunk_count: chunkCount, embedder: hashedEmbedder.name });
    const chunks = await listChunks(db, document.id, -1, 100);
    expect(chunks).toHaveLength(chunkCount);
    expect(chunks.every((chunk) => chunk.content.length <= 200 && chunk.content.includes("Conveyor"))).toBe(true);
    expect(existsSync(document.stored_path)).toBe(false);
  });

  it("fails at once for a missing document", async () => {
    const run = await runTask(processDocument, { documentId: randomUUID() }, options());
    expect(run).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
  });

  it("fails a corrupt file at once: the document is failed with the reason, has no chunks, and its file is removed", async () => {
    const document = await uploaded("broken.pdf", "%PDF-1.7\nthis is not really a PDF", "application/pdf");
    const run = await runTask(processDocument, { documentId: document.id }, options());
    expect(run).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError", message: expect.stringContaining("could not be read") } });
    expect(await findDocument(db, organizationId, document.id)).toMatchObject({ status: "failed", error: run.error?.message, chunk_count: 0 });
    expect(await listChunks(db, document.id, -1, 100)).toEqual([]);
    expect(existsSync(document.stored_path)).toBe(false);
  });

  it("retries an embeddings API's 503 per the task's policy, keeping the file for the next attempt", async () => {
    const api = await startRecordSource({
      "/v1/embeddings": (_url, res, times) => (times === 0 ? res.writeHead(503).end("busy") : sendJson(res, { data: [{ index: 0, embedding: [3, 4] }] })),
    });
    try {
      const settings = { ...config(), EMBEDDER: "openai" as const, EMBEDDER_URL: `${api.url}/v1`, EMBEDDER_MODEL: "test-model" };
      const document = await uploaded("short.md", "# One chunk\n\nShort enough for a single chunk.", "text/markdown");
      const run = await runTask(processDocument, { documentId: document.id }, { ...options(), runtime: { db, config: settings } });
      expect(run).toMatchObject({ status: "succeeded", attempts: 2, result: { chunkCount: 1, embedder: "openai:test-model" } });
      expect(run.errors.map((error) => error.type)).toEqual(["TransientError"]);
      expect(run.delays).toHaveLength(1);
      expect(api.requests).toEqual(["/v1/embeddings", "/v1/embeddings"]);
      expect(await findDocument(db, organizationId, document.id)).toMatchObject({ status: "ready", chunk_count: 1, embedder: "openai:test-model" });
    } finally {
      await api.close();
    }
  });
});
