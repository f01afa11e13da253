import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { TERMINAL_STATUSES } from "../../shared/db/jobs/job-record";
import { docxWith, formWith, pdfWith, PNG_BYTES } from "../support/document-files";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

// Read by config() when the stack starts: a private upload directory and a small size limit.
const UPLOAD_DIR = mkdtempSync(path.join(tmpdir(), "conveyor-uploads-"));
const MAX_BYTES = 256 * 1024;
process.env.UPLOAD_DIR = UPLOAD_DIR;
process.env.UPLOAD_MAX_BYTES = String(MAX_BYTES);
process.env.EMBEDDER = "offline";

describe("documents", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "documents"] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  /** POSTs multipart files; the answer is typed like Stack.http's. */
  async function upload(files: { name: string; data: Buffer | string }[], fields: Record<string, string> = {}, batch = false): ReturnType<Stack["http"]> {
    const response = await fetch(`${stack.baseUrl}/api/v1/documents${batch ? "/batch" : ""}`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.apiKey}` },
      body: formWith(files, fields),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  }

  const documentOf = async (id: string) => (await stack.http("GET", `/api/v1/documents/${id}`)).body;
  const settled = (id: string) => waitFor(() => documentOf(id), (document) => ["ready", "failed", "cancelled"].includes(document.status));
  const search = async (q: string, k = 5) => (await stack.http("GET", `/api/v1/documents/search?q=${encodeURIComponent(q)}&k=${k}`)).body;

  it("processes a PDF, a DOCX, a text and a markdown file end to end, each found by search", async () => {
    const samples = [
      { name: "census.pdf", data: await pdfWith(["The quokka census on Rottnest island counted", "many small marsupials this year."]), query: "quokka marsupials census" },
      { name: "hangar.docx", data: await docxWith(["Zeppelin hangar maintenance is done every spring.", "The airship envelope is checked for leaks."]), query: "zeppelin airship hangar" },
      { name: "bread.txt", data: "Sourdough starter needs flour and water. Hydration decides the crumb of the loaf.", query: "sourdough hydration crumb" },
      { name: "trip.md", data: "# Glacier trip\n\nKayaking among icebergs in the fjord, with a seal colony nearby.", query: "kayaking icebergs fjord" },
    ];
    const created = [];
    for (const sample of samples) {
      const response = await upload([sample], { chunkSize: "200", overlap: "20" });
      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({ filename: sample.name, chunkSize: 200, overlap: 20, chunkCount: 0 });
      expect(["queued", "processing"]).toContain(response.body.status);
      expect(response.body.job.statusUrl).toBe(`/api/v1/jobs/${response.body.job.id}`);
      expect(response.headers.get("location")).toBe(`/api/v1/documents/${response.body.id}`);
      created.push({ ...sample, id: response.body.id as string, jobId: response.body.job.id as string });
    }
    for (const document of created) {
      const done = await settled(document.id);
      expect(done).toMatchObject({ status: "ready", error: null, embedder: "hashed-tf-512" });
      expect(done.chunkCount).toBeGreaterThan(0);
      // The document turns ready inside the attempt; the job's outcome is committed just after it.
      const job = await waitFor(() => stack.job(document.jobId), (current) => TERMINAL_STATUSES.includes(current.status));
      expect(job.status).toBe("succeeded");
      expect(job.progress).toMatchObject({ percent: 100, step: "done" });
      const chunks = (await stack.http("GET", `/api/v1/documents/${document.id}/chunks`)).body.items;
      expect(chunks).toHaveLength(done.chunkCount);
      const { items } = await search(document.query);
      expect(items[0]).toMatchObject({ documentId: document.id, filename: document.name, ordinal: 0 });
      expect(items[0].score).toBeGreaterThan(0.2);
      expect(items[0].content.toLowerCase()).toContain(document.query.split(" ")[0]);
    }
    // Processed files are not kept.
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
  });

  it("answers a batch per file: good files queued, bad ones rejected with the reason", async () => {
    const response = await upload(
      [
        { name: "a.txt", data: "Alpha document about lighthouses and keepers." },
        { name: "b.exe", data: "MZ not allowed" },
        { name: "c.pdf", data: PNG_BYTES },
        { name: "d.md", data: "Delta notes on lighthouses." },
      ],
      {},
      true,
    );
    expect(response.status).toBe(202);
    const items = response.body.items;
    expect(items.map((item: { filename: string; status: string }) => [item.filename, item.status])).toEqual([
      ["a.txt", "queued"],
      ["b.exe", "rejected"],
      ["c.pdf", "rejected"],
      ["d.md", "queued"],
    ]);
    expect(items[1].reason).toMatch(/\.pdf, \.docx, \.txt, \.md/);
    expect(items[2].reason).toMatch(/not a PDF/);
    expect(items[0].statusUrl).toBe(`/api/v1/jobs/${items[0].jobId}`);
    for (const item of [items[0], items[3]]) expect((await settled(item.documentId)).status).toBe("ready");
  });

  it("refuses a batch of more than 10 files and keeps none of them", async () => {
    const files = Array.from({ length: 11 }, (_, index) => ({ name: `f${index}.txt`, data: `file number ${index}` }));
    const response = await upload(files, {}, true);
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("TOO_MANY_FILES");
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
  });

  it("cuts off an oversize upload with 413 and leaves no partial file", async () => {
    const response = await upload([{ name: "big.txt", data: "x".repeat(MAX_BYTES + 1) }]);
    expect(response.status).toBe(413);
    expect(response.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
    // Exactly at the limit is fine.
    const atLimit = await upload([{ name: "limit.txt", data: "y ".repeat(MAX_BYTES / 2) }]);
    expect(atLimit.status).toBe(202);
    expect(atLimit.body.sizeBytes).toBe(MAX_BYTES);
    expect((await settled(atLimit.body.id)).status).toBe("ready");
  });

  it("refuses a wrong extension (415) and a file whose content lies about its type (422)", async () => {
    const wrongType = await upload([{ name: "picture.png", data: PNG_BYTES }]);
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe("UNSUPPORTED_FILE_TYPE");
    const lying = await upload([{ name: "report.pdf", data: PNG_BYTES }]);
    expect(lying.status).toBe(422);
    expect(lying.body.error).toMatchObject({ code: "CONTENT_TYPE_MISMATCH", message: expect.stringContaining("not a PDF") });
    const binaryText = await upload([{ name: "notes.txt", data: Buffer.from([0x41, 0x00, 0x42]) }]);
    expect(binaryText.status).toBe(422);
    const fakeDocx = await upload([{ name: "letter.docx", data: "plain text, not a zip" }]);
    expect(fakeDocx.status).toBe(422);
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
  });

  it("validates chunkSize and overlap (422) and keeps no file", async () => {
    const invalid: Record<string, string>[] = [{ chunkSize: "50" }, { chunkSize: "500", overlap: "300" }, { chunkSize: "abc" }];
    for (const fields of invalid) {
      const response = await upload([{ name: "ok.txt", data: "fine text" }], fields);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe("VALIDATION_FAILED");
    }
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
  });

  it("stores a traversal filename safely inside UPLOAD_DIR under a generated name", async () => {
    const form = new FormData();
    form.append("file", new Blob(["Secret-free harmless words about traversal."]), "../../etc/passwd.txt");
    const response = await fetch(`${stack.baseUrl}/api/v1/documents`, { method: "POST", headers: { authorization: `Bearer ${stack.apiKey}` }, body: form });
    const body = (await response.json()) as { id: string; filename: string };
    expect(response.status).toBe(202);
    expect(body.filename).toBe("passwd.txt");
    const { rows } = await stack.db.raw("SELECT stored_path FROM documents WHERE id = ?", [body.id]);
    expect(path.dirname(path.resolve(rows[0].stored_path))).toBe(path.resolve(UPLOAD_DIR));
    expect(path.basename(rows[0].stored_path)).toMatch(/^[0-9a-f-]{36}\.txt$/);
    expect((await settled(body.id)).status).toBe("ready");
  });

  it("fails a corrupt PDF at once with a clear error, and removes its file", async () => {
    const corrupt = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(2_000, 0x7a)]);
    const response = await upload([{ name: "broken.pdf", data: corrupt }]);
    expect(response.status).toBe(202);
    const document = await settled(response.body.id);
    expect(document.status).toBe("failed");
    expect(document.error).toMatch(/PDF could not be read/);
    const job = await waitFor(() => stack.job(response.body.job.id), (job) => job.status === "failed");
    expect(job.attempts).toBe(1);
    expect(job.error?.type).toBe("PermanentError");
    expect(readdirSync(UPLOAD_DIR)).toEqual([]);
  });

  it("deletes a document with its chunks and file", async () => {
    const response = await upload([{ name: "gone.txt", data: "Ephemeral words about a vanishing document." }]);
    const id = response.body.id;
    expect((await settled(id)).status).toBe("ready");
    const deleted = await stack.http("DELETE", `/api/v1/documents/${id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id, deleted: true });
    expect((await stack.http("GET", `/api/v1/documents/${id}`)).status).toBe(404);
    const { rows } = await stack.db.raw("SELECT count(*)::int AS n FROM document_chunks WHERE document_id = ?", [id]);
    expect(rows[0].n).toBe(0);
    expect((await search("ephemeral vanishing")).items.map((item: { documentId: string }) => item.documentId)).not.toContain(id);
    expect((await stack.http("DELETE", `/api/v1/documents/${id}`)).status).toBe(404);
  });

  it("answers 404 for another id and 422 for a bad one, and 401 without a key", async () => {
    expect((await stack.http("GET", "/api/v1/documents/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await stack.http("GET", "/api/v1/documents/nope")).status).toBe(422);
    expect((await stack.http("GET", "/api/v1/documents/search")).status).toBe(422);
    const anonymous = await fetch(`${stack.baseUrl}/api/v1/documents`, { method: "POST", body: formWith([{ name: "a.txt", data: "x" }]) });
    expect(anonymous.status).toBe(401);
  });
});
