import { ChildProcess } from "node:child_process";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { killIfRunning, spawnNode, waitForConsumers } from "../support/worker-process";

interface Interval {
  start: number;
  end: number;
}

/** The most intervals that overlap at any instant. */
function maxOverlap(intervals: Interval[]): number {
  const edges = intervals.flatMap(({ start, end }) => [
    { at: start, delta: 1 },
    { at: end, delta: -1 },
  ]);
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta); // an end before a start at the same instant
  let running = 0;
  let most = 0;
  for (const edge of edges) {
    running += edge.delta;
    most = Math.max(most, running);
  }
  return most;
}

/** Flow control on the real stack, measured from the job rows' own timestamps. */
describe("flow control", () => {
  let stack: Stack;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    // No demo service in this process: the jobs run on worker processes the tests start and kill.
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
    worker = spawnNode("demo", { NODE_ID: "flow-worker-1" });
    await waitForConsumers("default", 1);
  });
  afterAll(async () => {
    await killIfRunning(worker);
    await stack?.stop();
  });

  const enqueue = async (body: object): Promise<PublicJob> => {
    const response = await stack.http("POST", "/api/v1/jobs", body);
    expect(response.status).toBe(202);
    return response.body as PublicJob;
  };
  const rows = (ids: string[]) => stack.db("jobs").whereIn("id", ids).select("id", "status", "attempts", "started_at", "finished_at", "payload", "error");
  const allFinished = (ids: string[], timeoutMs = 30_000) =>
    waitFor(() => rows(ids), (current) => current.every((row) => ["succeeded", "failed", "cancelled"].includes(row.status)), { timeoutMs, intervalMs: 200 });

  it("starts nothing on a paused queue until it is resumed, and says why its jobs wait", async () => {
    expect((await stack.http("POST", "/api/v1/queues/default/pause")).body).toEqual({ queue: "default", paused: true });
    const jobs = await Promise.all([1, 2, 3, 4, 5].map((n) => enqueue({ task: "demo.echo", payload: { text: `paused ${n}` } })));
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const waiting = await rows(jobs.map((job) => job.id));
    expect(waiting.map((row) => row.status)).toEqual(["queued", "queued", "queued", "queued", "queued"]);
    expect(waiting.every((row) => row.attempts === 0)).toBe(true);
    expect((await stack.http("GET", `/api/v1/jobs/${jobs[0].id}`)).body.heldBack).toBe("paused");
    const overview = (await stack.http("GET", "/api/v1/queues")).body.items.find((item: { queue: string }) => item.queue === "default");
    expect(overview.paused).toBe(true);

    const resumedAt = Date.now();
    expect((await stack.http("POST", "/api/v1/queues/default/resume")).body).toEqual({ queue: "default", paused: false });
    const done = await allFinished(jobs.map((job) => job.id));
    expect(done.map((row) => row.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]);
    expect(Math.min(...done.map((row) => row.started_at.getTime()))).toBeGreaterThanOrEqual(resumedAt - 50);
    expect((await stack.http("POST", "/api/v1/queues/no-such-queue/pause")).status).toBe(404);
  });

  it("runs at most `limit` jobs of one concurrency key at once", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 20 }, () => enqueue({ task: "demo.sleep", payload: { ms: 250 }, concurrency: { key: "report-42", limit: 2 } })),
    );
    const done = await allFinished(jobs.map((job) => job.id), 60_000);
    expect(done.every((row) => row.status === "succeeded" && row.attempts === 1)).toBe(true);
    const overlap = maxOverlap(done.map((row) => ({ start: row.started_at.getTime(), end: row.finished_at.getTime() })));
    expect(overlap).toBeLessThanOrEqual(2);
  });

  it("gives a SIGKILLed worker's slots back once its leases run out", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 6 }, () => enqueue({ task: "demo.sleep", payload: { ms: 1_500 }, concurrency: { key: "crash-key", limit: 2 } })),
    );
    await waitFor(() => rows(jobs.map((job) => job.id)), (current) => current.filter((row) => row.status === "running").length === 2, { timeoutMs: 30_000, intervalMs: 100 });
    await killIfRunning(worker);
    worker = spawnNode("demo", { NODE_ID: "flow-worker-2" });
    const done = await allFinished(jobs.map((job) => job.id), 60_000);
    expect(done.every((row) => row.status === "succeeded")).toBe(true);
    // Every final attempt (the two taken over included) kept to the limit.
    expect(maxOverlap(done.map((row) => ({ start: row.started_at.getTime(), end: row.finished_at.getTime() })))).toBeLessThanOrEqual(2);
  });

  it("throttles: 20 jobs at 5 per second span at least 3 seconds, and none fails", async () => {
    const jobs = await Promise.all(
      Array.from({ length: 20 }, (_, n) => enqueue({ task: "demo.echo", payload: { text: `t${n}` }, throttle: { key: "llm-api", limit: 5, periodMs: 1_000 } })),
    );
    const done = await allFinished(jobs.map((job) => job.id), 60_000);
    expect(done.every((row) => row.status === "succeeded" && row.attempts === 1)).toBe(true);
    const starts = done.map((row) => row.started_at.getTime()).sort((a, b) => a - b);
    expect(starts[starts.length - 1] - starts[0]).toBeGreaterThanOrEqual(3_000);
    // No window of a second holds more than 5 starts.
    for (const start of starts) expect(starts.filter((other) => other >= start && other < start + 1_000).length).toBeLessThanOrEqual(5);
  });

  it("debounces: enqueues within the period run once, with the last payload; the replaced ones name their replacement", async () => {
    const jobs: PublicJob[] = [];
    for (let n = 0; n < 10; n++) {
      jobs.push(await enqueue({ task: "demo.echo", payload: { text: `edit ${n}` }, debounce: { key: "issue-7", periodMs: 1_500 } }));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const done = await allFinished(jobs.map((job) => job.id));
    const byId = new Map(done.map((row) => [row.id, row]));
    const succeeded = done.filter((row) => row.status === "succeeded");
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0].id).toBe(jobs[9].id);
    expect(succeeded[0].payload).toEqual({ text: "edit 9" });
    for (const [index, job] of jobs.slice(0, 9).entries()) {
      const row = byId.get(job.id);
      expect(row?.status).toBe("cancelled");
      expect(row?.error.message).toContain(`replaced by job ${jobs[index + 1].id}`);
    }
    // The wait restarted with every enqueue: the survivor started about a period after the last one.
    // (run_at is set from the gateway's clock just before the insert, so allow for a slow insert.)
    expect(succeeded[0].started_at.getTime() - new Date(jobs[9].createdAt).getTime()).toBeGreaterThanOrEqual(1_000);
  });

  it("refuses flow-control options that do not fit", async () => {
    expect((await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, concurrency: { key: "k", limit: 0 } })).status).toBe(422);
    expect((await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, debounce: { key: "k", periodMs: 100 }, delayMs: 10 })).status).toBe(422);
  });
});
