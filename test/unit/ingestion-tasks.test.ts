import { randomUUID } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ingest } from "../../services/ingestion.tasks";
import { config } from "../../config";
import { findRun } from "../../shared/db/ingestion/find-runs";
import { insertRun } from "../../shared/db/ingestion/insert-run";
import { listRecords } from "../../shared/db/ingestion/list-records";
import type { Db } from "../../shared/db/knex";
import { organizationUploadDir } from "../../shared/domains/ingestion/upload-path";
import { runTask } from "../../shared/testing/run-task";
import { sendJson, startRecordSource } from "../support/record-source";
import { openTaskDatabase } from "../support/task-database";

const records = Array.from({ length: 6 }, (_, index) => ({ id: `r${index + 1}`, name: `Record ${index + 1}` }));
const pageOf = (url: URL) => Number(url.searchParams.get("page") ?? "1");

describe("ingest, run eagerly against the run's database", () => {
  let db: Db;
  let organizationId: string;
  let source: Awaited<ReturnType<typeof startRecordSource>>;
  const uploadDir = mkdtempSync(path.join(tmpdir(), "conveyor-ingestion-"));
  beforeAll(async () => {
    ({ db, organizationId } = await openTaskDatabase());
    source = await startRecordSource({
      "/flaky": (_url, res, times) => (times === 0 ? res.writeHead(503).end("busy") : sendJson(res, records)),
      "/down": (_url, res) => res.writeHead(503).end("busy"),
      "/forbidden": (_url, res) => res.writeHead(403).end("no"),
      // Two records a page; page 2 fails the first time it is asked.
      "/paged": (url, res, times) => {
        if (pageOf(url) === 2 && times === 0) res.writeHead(502).end("bad gateway");
        else sendJson(res, { items: records.slice((pageOf(url) - 1) * 2, pageOf(url) * 2) });
      },
    });
  });
  afterAll(async () => {
    await source.close();
    await db.destroy();
    rmSync(uploadDir, { recursive: true, force: true });
  });

  const options = () => ({ runtime: { db, config: { ...config(), UPLOAD_DIR: uploadDir } }, organizationId });
  const httpRun = (urlPath: string, extra: Record<string, unknown> = {}) =>
    insertRun(db, organizationId, { provider: "http", source: `${source.url}${urlPath}`, filters: {}, options: { url: `${source.url}${urlPath}`, ...extra } });
  const storedIds = async (runId: string) => (await listRecords(db, organizationId, { runId }, 100)).map((record) => record.external_id);

  it("reads a CSV file from the organization's folder of UPLOAD_DIR into records, and marks the run a success", async () => {
    const folder = organizationUploadDir(uploadDir, organizationId);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "people.csv"), "id,name\np1,Ada\np2,Grace\n,no id\n");
    const created = await insertRun(db, organizationId, { provider: "file", source: "file:people.csv", filters: {}, options: { path: "people.csv" } });
    const run = await runTask(ingest, { runId: created.id }, options());
    expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { status: "success", records: { read: 3, written: 2, skipped: 0, failed: 1 } } });
    expect(await storedIds(created.id)).toEqual(["p1", "p2"]);
    expect(await findRun(db, organizationId, created.id)).toMatchObject({ status: "success", records_written: "2", error: null });
  });

  it("retries a source's 503 per the task's policy and then ingests everything", async () => {
    const created = await httpRun("/flaky");
    const run = await runTask(ingest, { runId: created.id }, options());
    expect(run).toMatchObject({ status: "succeeded", attempts: 2, result: { records: { written: 6 } } });
    expect(run.errors.map((error) => error.type)).toEqual(["TransientError"]);
    expect(run.delays).toHaveLength(1);
    expect(run.delays[0]).toBeGreaterThan(0);
    expect(await storedIds(created.id)).toEqual(records.map((record) => record.id));
  });

  it("continues a retried run after its last committed page instead of reading the source again", async () => {
    const created = await httpRun("/paged", { pagination: "page" });
    const run = await runTask(ingest, { runId: created.id }, options());
    expect(run).toMatchObject({ status: "succeeded", attempts: 2, result: { records: { read: 6, written: 6 } } });
    expect(source.requests.filter((request) => request.startsWith("/paged"))).toEqual([
      "/paged?page=1",
      "/paged?page=2",
      "/paged?page=2",
      "/paged?page=3",
      "/paged?page=4",
    ]);
    expect(await findRun(db, organizationId, created.id)).toMatchObject({ status: "success", records_read: "6", batches: 3 });
  });

  it("fails the run at once on a 4xx, and after the last attempt on a source that stays down", async () => {
    const forbidden = await httpRun("/forbidden");
    expect(await runTask(ingest, { runId: forbidden.id }, options())).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
    expect(await findRun(db, organizationId, forbidden.id)).toMatchObject({ status: "failed", error: expect.stringContaining("403") });

    const down = await httpRun("/down");
    const run = await runTask(ingest, { runId: down.id }, { ...options(), maxAttempts: 2 });
    expect(run).toMatchObject({ status: "failed", attempts: 2, error: { type: "TransientError" } });
    expect(await findRun(db, organizationId, down.id)).toMatchObject({ status: "failed", error: expect.stringContaining("503") });
  });

  it("fails at once for a missing run", async () => {
    expect(await runTask(ingest, { runId: randomUUID() }, options())).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
  });
});
