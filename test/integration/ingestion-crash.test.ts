import type { PublicRun } from "../../shared/db/ingestion/run-record";
import { sendJson, startRecordSource } from "../support/record-source";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

// This process answers the API only; datasync jobs run in the worker child processes.
process.env.WORKER_QUEUES = "default";

const PAGES = 10;
const PAGE_SIZE = 10;
const PAGE_DELAY_MS = 250;

describe("an ingestion worker killed with SIGKILL mid-run", () => {
  let stack: Stack;
  let source: Awaited<ReturnType<typeof startRecordSource>>;
  beforeAll(async () => {
    // Slow pages, so the worker can be killed with some pages committed and others still to read.
    source = await startRecordSource({
      "/slow": (url, res) => {
        const page = Number(url.searchParams.get("page"));
        const items = page > PAGES ? [] : Array.from({ length: PAGE_SIZE }, (_, index) => ({ id: `p${page}-${index}`, page }));
        setTimeout(() => sendJson(res, { items, total: PAGES * PAGE_SIZE }), PAGE_DELAY_MS);
      },
    });
    stack = await startStack({ services: ["gateway", "auth", "jobs", "ingestion"] });
  });
  afterAll(async () => {
    await stack.stop();
    await source.close();
  });

  it("resumes on another worker from the last committed page, with exact counts and no duplicates", async () => {
    const workerEnv = { WORKER_QUEUES: "datasync", JOB_LEASE_MS: "2000" };
    const victim = spawnNode("ingestion", { ...workerEnv, NODE_ID: "ingestion-victim" });
    await waitForConsumers("datasync", 1);

    const url = `${source.url}/slow`;
    const created = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "http", options: { url, pagination: "page" } });
    expect(created.status).toBe(202);
    const runId: string = created.body.id;
    const getRun = async (): Promise<PublicRun> => (await stack.http("GET", `/api/v1/ingestion/jobs/${runId}`)).body;

    const atCrash = await waitFor(getRun, (run) => run.records.written >= 3 * PAGE_SIZE);
    victim.kill("SIGKILL");
    expect((await exited(victim)).signal).toBe("SIGKILL");
    const committed = await getRun();
    expect(committed.records.written).toBeLessThan(PAGES * PAGE_SIZE);
    expect(committed.records.written).toBeGreaterThanOrEqual(atCrash.records.written);
    const pagesCommitted = committed.records.written / PAGE_SIZE;
    expect(committed.checkpoint).toEqual({ next: `${url}?page=${pagesCommitted + 1}` });

    const survivor = spawnNode("ingestion", { ...workerEnv, NODE_ID: "ingestion-survivor" });
    try {
      const done = await waitFor(getRun, (run) => run.jobStatus === "succeeded" || run.jobStatus === "failed", { timeoutMs: 45_000, intervalMs: 200 });
      expect(done).toMatchObject({ status: "success", records: { read: 100, written: 100, skipped: 0, failed: 0 }, total: 100 });
    } finally {
      survivor.kill("SIGTERM");
      expect((await exited(survivor)).code).toBe(0);
    }

    const stored = await stack.db("ingested_records").where({ organization_id: stack.organizationId, source: url }).count<{ count: string }[]>("* as count");
    expect(Number(stored[0].count)).toBe(PAGES * PAGE_SIZE);
    const job = await stack.job(created.body.job.id);
    // The run lost with its worker is an interruption, not an attempt.
    expect(job).toMatchObject({ attempts: 1, interruptions: 1 });
    // Committed pages were read once; only the page in flight at the crash (if any) was read twice.
    const timesAsked = (page: number) => source.requests.filter((request) => request === `/slow?page=${page}`).length;
    for (let page = 1; page <= pagesCommitted; page++) expect(timesAsked(page)).toBe(1);
    for (let page = pagesCommitted + 2; page <= PAGES + 1; page++) expect(timesAsked(page)).toBe(1);
    expect(timesAsked(pagesCommitted + 1)).toBeGreaterThanOrEqual(1);
    expect(timesAsked(pagesCommitted + 1)).toBeLessThanOrEqual(2);
  });
});
