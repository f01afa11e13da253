import fs, { mkdtempSync, readdirSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import JSZip from "jszip";
import { docxWith, formWith } from "../support/document-files";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

// Small limits, so a bomb and a flood fit in a test; configuration is read when the stack starts.
const UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), "conveyor-upload-limits-"));
process.env.UPLOAD_DIR = UPLOAD_DIR;
process.env.DOCUMENT_MAX_INFLATED_BYTES = String(2 * 1024 * 1024);
process.env.DOCUMENT_MAX_CHUNKS = "1000";

type UploadAnswer = { id: string; job: { id: string }; error?: { code: string; details?: unknown } };

/** Files in UPLOAD_DIR (uploads are stored flat, under generated names). */
const storedFiles = () => readdirSync(UPLOAD_DIR).filter((name) => name !== "organizations");

describe("upload limits: bombs, floods and broken uploads leave no file behind", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "documents"] });
  });
  afterAll(() => stack.stop());

  async function upload(files: { name: string; data: Buffer | string }[], fields: Record<string, string> = {}, batch = false) {
    const response = await fetch(`${stack.baseUrl}/api/v1/documents${batch ? "/batch" : ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}` },
      body: formWith(files, fields),
    });
    return { status: response.status, body: (await response.json()) as UploadAnswer };
  }
  const settled = (id: string) =>
    waitFor(async () => (await stack.http("GET", `/api/v1/documents/${id}`)).body, (document) => ["ready", "failed", "cancelled"].includes(document.status), { timeoutMs: 30_000 });

  it("fails a zip-bomb DOCX permanently before inflating it, and removes its file", async () => {
    const zip = await JSZip.loadAsync(await docxWith(["A perfectly normal paragraph."]));
    zip.file("word/padding.bin", Buffer.alloc(8 * 1024 * 1024)); // 8 MiB of zeros: a few KiB compressed
    const bomb = await zip.generateAsync({ type: "nodebuffer", compression: "DEFLATE" });
    expect(bomb.length).toBeLessThan(100 * 1024);
    const response = await upload([{ name: "bomb.docx", data: bomb }]);
    expect(response.status).toBe(202);
    const document = await settled(response.body.id);
    expect(document).toMatchObject({ status: "failed" });
    expect(document.error).toMatch(/inflates to more than 2097152 bytes \(DOCUMENT_MAX_INFLATED_BYTES\)/);
    expect((await stack.job(response.body.job.id)).attempts).toBe(1);
    expect(storedFiles()).toEqual([]);
  });

  it("refuses a tiny-chunk text upload at once, and fails one whose chunk count only extraction shows", async () => {
    const text = "Word ".repeat(100_000); // 500 KB: at least 1,250 chunks at chunkSize 100, about 10,000 at overlap 50
    const refused = await upload([{ name: "flood.txt", data: text }], { chunkSize: "100", overlap: "50" });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: "TOO_MANY_CHUNKS" });
    expect(storedFiles()).toEqual([]);

    const docx = await docxWith(Array.from({ length: 2_000 }, (_, index) => `Paragraph ${index} says a few words about nothing at all.`));
    const accepted = await upload([{ name: "long.docx", data: docx }], { chunkSize: "100", overlap: "50" });
    expect(accepted.status).toBe(202);
    const document = await settled(accepted.body.id);
    expect(document).toMatchObject({ status: "failed", chunkCount: 0 });
    expect(document.error).toMatch(/more than 1000 chunks .*DOCUMENT_MAX_CHUNKS/);
    expect(storedFiles()).toEqual([]);
  });

  it("keeps no file of a batch whose second file breaks off mid-upload", async () => {
    const boundary = "conveyor-test-boundary";
    const url = new URL(`${stack.baseUrl}/api/v1/documents/batch`);
    const answered = await new Promise<string>((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": `multipart/form-data; boundary=${boundary}` } },
        (res) => resolve(`answered ${res.statusCode}`),
      );
      req.on("error", () => resolve("connection closed"));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="first.txt"\r\nContent-Type: text/plain\r\n\r\n${"complete first file ".repeat(500)}\r\n`);
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="second.txt"\r\nContent-Type: text/plain\r\n\r\n${"half of the second ".repeat(2_000)}`);
      setTimeout(() => req.destroy(), 300);
    });
    expect(answered).toBe("connection closed");
    await waitFor(async () => storedFiles(), (files) => files.length === 0, { timeoutMs: 5_000 });
    expect(await stack.db("documents").where({ organization_id: stack.organizationId, filename: "first.txt" })).toEqual([]);
  });

  /** A batch whose body is written by hand: a complete first file, then `second` (a part's start and some bytes). */
  function rawBatch(second: string, finish: (req: ReturnType<typeof request>) => void) {
    const boundary = "conveyor-test-boundary";
    const url = new URL(`${stack.baseUrl}/api/v1/documents/batch`);
    return new Promise<{ status: number; body: UploadAnswer } | "connection closed">((resolve) => {
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": `multipart/form-data; boundary=${boundary}` } },
        async (res) => {
          const chunks: Buffer[] = [];
          for await (const chunk of res) chunks.push(chunk as Buffer);
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as UploadAnswer });
        },
      );
      req.on("error", () => resolve("connection closed"));
      req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="first.txt"\r\nContent-Type: text/plain\r\n\r\n${"complete first file ".repeat(500)}\r\n`);
      req.write(`--${boundary}\r\n${second}`);
      finish(req);
    });
  }

  it("keeps no file of a batch whose body ends in the middle of its second file, and answers 400", async () => {
    const answer = await rawBatch(`Content-Disposition: form-data; name="file"; filename="second.txt"\r\nContent-Type: text/plain\r\n\r\n${"half of the second ".repeat(2_000)}`, (req) => req.end());
    expect(answer).toMatchObject({ status: 400, body: { error: { code: "MALFORMED_UPLOAD" } } });
    expect(storedFiles()).toEqual([]);
    expect(await stack.db("documents").where({ organization_id: stack.organizationId, filename: "first.txt" })).toEqual([]);
  });

  it("keeps nothing of a batch's second file that is not what it claims, and the first one only until it is processed", async () => {
    const response = await upload([{ name: "fine.txt", data: "A short and fine text file." }, { name: "fake.pdf", data: "no PDF at all" }], {}, true);
    expect(response.status).toBe(202);
    const { items } = response.body as unknown as { items: { filename: string; status: string; documentId?: string }[] };
    expect(items).toMatchObject([{ filename: "fine.txt", status: "queued" }, { filename: "fake.pdf", status: "rejected" }]);
    expect(await settled(items[0].documentId!)).toMatchObject({ status: "ready" });
    expect(storedFiles()).toEqual([]);
  });

  it("answers a full disk with 507 and no file, and keeps serving", async () => {
    const createWriteStream = fs.createWriteStream;
    // The upload's file is written to /dev/full: every write fails with ENOSPC, as on a full disk.
    const full = jest.spyOn(fs, "createWriteStream").mockImplementation(() => createWriteStream("/dev/full", { flags: "w" }));
    try {
      const answer = await rawBatch(`Content-Disposition: form-data; name="file"; filename="second.txt"\r\nContent-Type: text/plain\r\n\r\n${"the second file ".repeat(20_000)}\r\n--conveyor-test-boundary--\r\n`, (req) => req.end());
      expect(answer).toMatchObject({ status: 507, body: { error: { code: "INSUFFICIENT_STORAGE" } } });
    } finally {
      full.mockRestore();
    }
    expect(storedFiles()).toEqual([]);
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(200);
    expect((await upload([{ name: "after.txt", data: "The disk has room again." }])).status).toBe(202);
  });

});
