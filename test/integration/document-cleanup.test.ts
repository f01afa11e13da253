import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { failDeadLettered } from "../../shared/db/jobs/fail-dead-lettered";
import { formWith } from "../support/document-files";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

// No worker consumes the documents queue here, so uploads stay queued: their files wait on disk.
const UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), "conveyor-upload-cleanup-"));
process.env.UPLOAD_DIR = UPLOAD_DIR;
process.env.WORKER_QUEUES = "default";
process.env.UPLOAD_QUOTA_BYTES = String(300 * 1024);
process.env.DOCUMENT_TIME_LIMIT_MS = "120000";

type UploadAnswer = { id: string; job: { id: string }; error?: { code: string; details?: unknown } };
const storedFiles = () => readdirSync(UPLOAD_DIR);

describe("uploaded files of documents that will never be processed, and the storage quota", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "documents"] });
  });
  afterAll(() => stack.stop());

  async function upload(name: string, data: string) {
    const response = await fetch(`${stack.baseUrl}/api/v1/documents`, { method: "POST", headers: { authorization: `Bearer ${stack.apiKey}` }, body: formWith([{ name, data }]) });
    return { status: response.status, body: (await response.json()) as UploadAnswer };
  }

  it("counts waiting files against the quota: 413 QUOTA_EXCEEDED, and nothing kept of the refused file", async () => {
    const first = await upload("first.txt", "a ".repeat(100_000)); // 200 KB, waiting
    expect(first.status).toBe(202);
    expect(storedFiles()).toHaveLength(1);
    const refused = await upload("second.txt", "b ".repeat(100_000));
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: "QUOTA_EXCEEDED", details: { quota: 300 * 1024, stored: 200_000 } });
    expect(storedFiles()).toHaveLength(1);
    // Each job carries the configured time limit.
    expect(await stack.db("jobs").where({ id: first.body.job.id }).first()).toMatchObject({ time_limit_ms: 120_000 });
  });

  it("removes the file of a document whose job is cancelled while queued, and frees its quota", async () => {
    const [waiting] = await stack.db("documents").where({ organization_id: stack.organizationId, status: "queued" });
    const cancelled = await stack.http("POST", `/api/v1/jobs/${waiting.job_id}/cancel`);
    expect(cancelled.status).toBe(200);
    await waitFor(async () => storedFiles(), (files) => files.length === 0, { timeoutMs: 10_000 });
    const row = await waitFor(() => stack.db("documents").where({ id: waiting.id }).first(), (current) => current.status === "cancelled", { timeoutMs: 10_000 });
    expect(row.error).toMatch(/cancel/i);
    expect((await stack.http("GET", `/api/v1/documents/${waiting.id}`)).body.status).toBe("cancelled");
    expect((await upload("third.txt", "c ".repeat(100_000))).status).toBe(202);
  });

  it("removes the file of a document whose job was dead-lettered", async () => {
    const [waiting] = await stack.db("documents").where({ organization_id: stack.organizationId, status: "queued" });
    expect(storedFiles()).toHaveLength(1);
    // What the dead-letter keeper does when RabbitMQ dead-letters the job's message.
    expect(await failDeadLettered(stack.db, [waiting.job_id])).toBe(1);
    await waitFor(async () => storedFiles(), (files) => files.length === 0, { timeoutMs: 10_000 });
    const row = await waitFor(() => stack.db("documents").where({ id: waiting.id }).first(), (current) => current.status === "failed", { timeoutMs: 10_000 });
    expect(row.error).toMatch(/dead-lettered/);
  });

  it("lets concurrent uploads take turns at the quota: only what fits is accepted", async () => {
    expect(storedFiles()).toEqual([]);
    const answers = await Promise.all(["d", "e", "f", "g"].map((letter) => upload(`${letter}.txt`, `${letter} `.repeat(100_000))));
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 413, 413, 413]);
    expect(storedFiles()).toHaveLength(1);
  });
});
