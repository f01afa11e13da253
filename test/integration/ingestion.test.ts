import { mkdtempSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import type { PublicRun } from "../../shared/db/ingestion/run-record";
import { organizationUploadDir } from "../../shared/domains/ingestion/upload-path";
import { sendJson, startRecordSource } from "../support/record-source";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

// The file provider reads only under UPLOAD_DIR; configuration is read once, when the stack starts.
const uploadDir = mkdtempSync(path.join(tmpdir(), "conveyor-ingestion-"));
process.env.UPLOAD_DIR = uploadDir;

type RunView = PublicRun & { statusUrl: string | null };

/** 30 records: every third is closed, amount 10..300, one a day from 2024-01-01. */
const records = Array.from({ length: 30 }, (_, index) => {
  const n = index + 1;
  return {
    id: `r${n}`,
    name: `Record ${n}`,
    status: n % 3 === 0 ? "closed" : "open",
    amount: n * 10,
    createdAt: `2024-01-${String(n).padStart(2, "0")}T00:00:00Z`,
  };
});
const PAGE_SIZE = 10;
const pageOf = (url: URL) => Number(url.searchParams.get("page") ?? "1");
const recordsOnPage = (page: number) => records.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
const csvOf = (rows: typeof records) =>
  ["id,name,status,amount,createdAt", ...rows.map((row) => [row.id, `"${row.name}"`, row.status, row.amount, row.createdAt].join(","))].join("\n");

describe("ingestion: data ingestion jobs", () => {
  let stack: Stack;
  let source: Awaited<ReturnType<typeof startRecordSource>>;

  beforeAll(async () => {
    source = await startRecordSource({
      "/paged": (url, res) => sendJson(res, { items: recordsOnPage(pageOf(url)), total: records.length }),
      "/cursor": (url, res) => {
        const start = Number(url.searchParams.get("cursor") ?? "0");
        const next = start + PAGE_SIZE < records.length ? String(start + PAGE_SIZE) : null;
        sendJson(res, { data: records.slice(start, start + PAGE_SIZE), nextCursor: next });
      },
      "/linked": (url, res) => {
        const page = pageOf(url);
        const link: Record<string, string> = page < 3 ? { link: `</linked?page=${page + 1}>; rel="next"` } : {};
        sendJson(res, recordsOnPage(page), link);
      },
      "/records.ndjson": (_url, res) => {
        const lines = [...records.map((row) => JSON.stringify(row)), "{not json", JSON.stringify({ name: "no id" })];
        res.writeHead(200, { "content-type": "application/x-ndjson" }).end(lines.join("\n"));
      },
      "/records.csv": (_url, res) => res.writeHead(200, { "content-type": "text/csv" }).end(`${csvOf(records)}\nr31,short row\n`),
      "/flaky": (_url, res, times) => (times === 0 ? res.writeHead(503).end("busy") : sendJson(res, records.slice(0, 5))),
      "/limited": (_url, res, times) => (times === 0 ? res.writeHead(429).end("slow down") : sendJson(res, records.slice(0, 5))),
      "/not-json": (_url, res) => res.writeHead(200, { "content-type": "application/json" }).end("<html>oops</html>"),
      "/forbidden": (_url, res) => res.writeHead(403).end("no"),
      // The first request for page 3 loses its connection, as if the source or the network died mid-run.
      "/dropping": (url, res, times) => {
        if (pageOf(url) === 3 && times === 0) res.socket?.destroy();
        else sendJson(res, { items: recordsOnPage(pageOf(url)), total: records.length });
      },
    });
    stack = await startStack({ services: ["gateway", "auth", "jobs", "ingestion"] });
  });
  afterAll(async () => {
    await stack.stop();
    await source.close();
  });

  const create = async (request: object): Promise<RunView & { job: PublicJob }> => {
    const response = await stack.http("POST", "/api/v1/ingestion/jobs", request);
    expect(response.status).toBe(202);
    return response.body;
  };
  const getRun = async (id: string): Promise<RunView> => (await stack.http("GET", `/api/v1/ingestion/jobs/${id}`)).body;
  const finished = (id: string) =>
    waitFor(() => getRun(id), (run) => run.jobStatus === "succeeded" || run.jobStatus === "failed", { timeoutMs: 40_000 });
  const ingestFrom = async (urlPath: string, extra: { options?: object; filters?: object } = {}) => {
    const created = await create({ provider: "http", options: { url: `${source.url}${urlPath}`, ...extra.options }, filters: extra.filters });
    return finished(created.id);
  };
  const storedIds = async (sourceName: string): Promise<string[]> =>
    (await stack.db("ingested_records").where({ organization_id: stack.organizationId, source: sourceName }).orderBy("external_id")).map(
      (row: { external_id: string }) => row.external_id,
    );
  const allIds = records.map((row) => row.id).sort();
  /** The error types of a job's retries, from its events. */
  const retriedWith = async (jobId: string): Promise<string[]> =>
    (await stack.db("job_events").where({ job_id: jobId, type: "retrying" }).orderBy("id")).map(
      (event: { data: { error: { type: string } } }) => event.data.error.type,
    );

  it("ingests paged JSON end to end: 202 with the job, counts, records in Postgres, progress of the total", async () => {
    const url = `${source.url}/paged`;
    const created = await create({ provider: "http", options: { url, pagination: "page" } });
    expect(created).toMatchObject({ provider: "http", source: url, status: "running", jobId: created.job.id });
    expect(created.job).toMatchObject({ task: "datasync.ingest", queue: "datasync", payload: { runId: created.id } });
    expect(created.statusUrl).toBe(`/api/v1/jobs/${created.job.id}`);

    const run = await finished(created.id);
    expect(run).toMatchObject({ status: "success", jobStatus: "succeeded", total: 30, error: null });
    expect(run.records).toEqual({ read: 30, written: 30, skipped: 0, failed: 0 });
    expect(await storedIds(url)).toEqual(allIds);
    const job = await stack.job(created.job.id);
    expect(job.progress).toMatchObject({ percent: 100, step: "ingesting", message: "30 of 30 records read" });
    expect(job.result).toMatchObject({ status: "success", records: { written: 30 } });

    const page = await stack.http("GET", `/api/v1/ingestion/records?source=${encodeURIComponent(url)}&limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((item: { externalId: string }) => item.externalId)).toEqual(["r1", "r10"]);
    expect(page.body.items[0]).toMatchObject({ source: url, data: records[0], runId: created.id });
    const next = await stack.http("GET", `/api/v1/ingestion/records?source=${encodeURIComponent(url)}&limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items.map((item: { externalId: string }) => item.externalId)).toEqual(["r11", "r12"]);

    const list = await stack.http("GET", "/api/v1/ingestion/jobs?limit=50");
    expect(list.body.items.map((item: RunView) => item.id)).toContain(created.id);
  });

  it("writes no duplicates when the same source is ingested twice; the second run updates the records", async () => {
    const url = `${source.url}/cursor`;
    const first = await ingestFrom("/cursor", { options: { pagination: "cursor" } });
    const second = await ingestFrom("/cursor", { options: { pagination: "cursor" } });
    expect(first.records.written).toBe(30);
    expect(second.records.written).toBe(30);
    const rows = await stack.db("ingested_records").where({ organization_id: stack.organizationId, source: url });
    expect(rows).toHaveLength(30);
    expect(new Set(rows.map((row: { run_id: string }) => row.run_id))).toEqual(new Set([second.id]));
  });

  it("follows Link rel=next pages of a bare JSON array", async () => {
    const run = await ingestFrom("/linked", { options: { pagination: "next" } });
    expect(run.records).toEqual({ read: 30, written: 30, skipped: 0, failed: 0 });
    expect(source.requests.filter((request) => request.startsWith("/linked"))).toEqual(["/linked", "/linked?page=2", "/linked?page=3"]);
  });

  it("streams NDJSON and CSV; unparsable rows and rows without an id count as failed", async () => {
    const ndjson = await ingestFrom("/records.ndjson", { options: { format: "ndjson", batchSize: 7 } });
    expect(ndjson).toMatchObject({ status: "success", records: { read: 32, written: 30, skipped: 0, failed: 2 } });
    expect(await storedIds(`${source.url}/records.ndjson`)).toEqual(allIds);

    const csv = await ingestFrom("/records.csv", { options: { format: "csv" } });
    expect(csv).toMatchObject({ status: "success", records: { read: 31, written: 30, skipped: 0, failed: 1 } });
    const [stored] = await stack.db("ingested_records").where({ organization_id: stack.organizationId, source: `${source.url}/records.csv`, external_id: "r1" });
    expect(stored.data).toEqual({ id: "r1", name: "Record 1", status: "open", amount: "10", createdAt: "2024-01-01T00:00:00Z" });
  });

  it("applies filters: equality and a numeric range, a date window, a limit", async () => {
    const fields = await ingestFrom("/records.csv", {
      options: { format: "csv", source: "filtered-fields" },
      filters: { equals: { status: "open" }, ranges: { amount: { gte: 50, lte: 250 } } },
    });
    const expected = ["r5", "r7", "r8", "r10", "r11", "r13", "r14", "r16", "r17", "r19", "r20", "r22", "r23", "r25"];
    expect(fields.records).toEqual({ read: 31, written: expected.length, skipped: 31 - expected.length - 1, failed: 1 });
    expect(await storedIds("filtered-fields")).toEqual([...expected].sort());

    const window = await ingestFrom("/paged", {
      options: { pagination: "page", source: "filtered-dates" },
      filters: { dateField: "createdAt", since: "2024-01-10T00:00:00Z", until: "2024-01-20T00:00:00Z" },
    });
    expect(window.records).toMatchObject({ read: 30, written: 10, skipped: 20 });
    expect(await storedIds("filtered-dates")).toEqual(records.slice(9, 19).map((row) => row.id).sort());

    const limited = await ingestFrom("/paged", { options: { pagination: "page", source: "filtered-limit" }, filters: { limit: 3 } });
    expect(limited.records).toEqual({ read: 10, written: 3, skipped: 7, failed: 0 });
    expect(await storedIds("filtered-limit")).toEqual(["r1", "r2", "r3"]);
  });

  it("retries transient failures (503, 429) with backoff, then succeeds", async () => {
    for (const urlPath of ["/flaky", "/limited"]) {
      const run = await ingestFrom(urlPath);
      expect(run).toMatchObject({ status: "success", records: { written: 5 } });
      const job = await stack.job(run.jobId as string);
      expect(job.attempts).toBe(2);
      expect(await retriedWith(job.id)).toEqual(["TransientError"]);
      expect(source.requests.filter((request) => request === urlPath)).toHaveLength(2);
    }
  });

  it("fails at once with a clear error on a 4xx answer, a missing page or data that is not JSON", async () => {
    for (const [urlPath, message] of [
      ["/missing", "answered 404"],
      ["/forbidden", "answered 403"],
      ["/not-json", "answered something that is not JSON"],
    ]) {
      const run = await ingestFrom(urlPath);
      expect(run.status).toBe("failed");
      expect(run.error).toContain(message);
      const job = await stack.job(run.jobId as string);
      expect(job).toMatchObject({ status: "failed", attempts: 1 });
      expect(job.error).toMatchObject({ type: "PermanentError" });
      expect(source.requests.filter((request) => request === urlPath)).toHaveLength(1);
    }
  });

  it("resumes from the checkpoint after an attempt dies mid-way: no page read twice, exact counts", async () => {
    const url = `${source.url}/dropping`;
    const run = await ingestFrom("/dropping", { options: { pagination: "page" } });
    expect(run).toMatchObject({ status: "success", records: { read: 30, written: 30, skipped: 0, failed: 0 } });
    expect(await storedIds(url)).toEqual(allIds);
    const job = await stack.job(run.jobId as string);
    expect(job.attempts).toBe(2);
    expect(await retriedWith(job.id)).toEqual(["TransientError"]);
    const asked = source.requests.filter((request) => request.startsWith("/dropping"));
    // Pages 1 and 2 were committed by the first attempt; the second started at page 3.
    expect(asked).toEqual(["/dropping?page=1", "/dropping?page=2", "/dropping?page=3", "/dropping?page=3", "/dropping?page=4"]);
  });

  it("ingests a CSV file inside the organization's folder of UPLOAD_DIR, and refuses paths that lead outside it", async () => {
    const ownFolder = organizationUploadDir(uploadDir, stack.organizationId);
    mkdirSync(path.join(ownFolder, "exports"), { recursive: true });
    writeFileSync(path.join(ownFolder, "exports", "records.csv"), csvOf(records));
    const created = await create({ provider: "file", options: { path: "exports/records.csv", batchSize: 8 } });
    const run = await finished(created.id);
    expect(run).toMatchObject({ status: "success", source: "file:exports/records.csv", records: { read: 30, written: 30 } });
    expect(run.checkpoint).toEqual({ rows: 30 });
    expect(await storedIds("file:exports/records.csv")).toEqual(allIds);
    expect((await stack.job(created.job.id)).progress).toMatchObject({ percent: 100 });

    for (const outside of ["../../etc/passwd", "/etc/passwd", "exports/../../secret.csv"]) {
      const response = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "file", options: { path: outside } });
      expect(response.status).toBe(422);
      expect(response.body.error.details).toEqual([{ path: "options.path", message: "must be a file inside the upload directory (UPLOAD_DIR)" }]);
    }

    const missing = await finished((await create({ provider: "file", options: { path: "exports/nothing.csv" } })).id);
    expect(missing).toMatchObject({ status: "failed", error: "File exports/nothing.csv does not exist in the upload directory" });

    // Another organization's file, and an uploaded document's file, are out of reach.
    const otherFolder = organizationUploadDir(uploadDir, "00000000-0000-4000-8000-000000000000");
    mkdirSync(otherFolder, { recursive: true });
    writeFileSync(path.join(otherFolder, "theirs.csv"), csvOf(records));
    writeFileSync(path.join(uploadDir, "uploaded.csv"), csvOf(records));
    for (const foreign of ["../00000000-0000-4000-8000-000000000000/theirs.csv", "../../uploaded.csv"]) {
      const response = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "file", options: { path: foreign } });
      expect({ foreign, status: response.status }).toEqual({ foreign, status: 422 });
    }
    // A link in the organization's own folder leads nowhere else either.
    symlinkSync(path.join(otherFolder, "theirs.csv"), path.join(ownFolder, "linked.csv"));
    const linked = await finished((await create({ provider: "file", options: { path: "linked.csv" } })).id);
    expect(linked).toMatchObject({ status: "failed", error: "linked.csv leads outside the upload directory" });
  });

  it("refuses an unknown provider, invalid filters and invalid options with 422", async () => {
    const unknown = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "ftp", options: {} });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details[0].path).toBe("provider");
    expect(unknown.body.error.details[0].message).toContain("'http' | 'file'");

    const badFilters = await stack.http("POST", "/api/v1/ingestion/jobs", {
      provider: "http",
      options: { url: `${source.url}/paged` },
      filters: { since: "yesterday", ranges: { amount: {} }, colour: "red" },
    });
    expect(badFilters.status).toBe(422);
    const paths = badFilters.body.error.details.map((detail: { path: string }) => detail.path);
    expect(paths).toEqual(expect.arrayContaining(["filters.since", "filters.ranges.amount", "filters"]));

    const badOptions = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "http", options: { url: "ftp://example.com/x" } });
    expect(badOptions.status).toBe(422);
    expect(badOptions.body.error.details).toEqual([{ path: "options.url", message: "must be an http(s) URL" }]);

    const runs = await stack.db("ingestion_runs").where({ organization_id: stack.organizationId, provider: "ftp" });
    expect(runs).toHaveLength(0);
  });

  it("lists the providers with the JSON schema of their filters and options", async () => {
    const response = await stack.http("GET", "/api/v1/ingestion/providers");
    expect(response.status).toBe(200);
    const names = response.body.items.map((item: { name: string }) => item.name);
    expect(names).toEqual(["http", "file"]);
    const [http] = response.body.items;
    expect(Object.keys(http.filters.properties)).toEqual(["equals", "ranges", "dateField", "since", "until", "limit"]);
    expect(http.options.required).toEqual(["url"]);
  });
});
