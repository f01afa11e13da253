import { ChildProcess } from "node:child_process";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { killIfRunning, spawnNode, waitForConsumers } from "../support/worker-process";

/**
 * Priorities and fair shares on the real stack (issue 17), measured from the job rows' own
 * timestamps. Each part runs its own worker process, with the settings it tests.
 */
describe("priorities and fair shares", () => {
  let stack: Stack;
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    process.env.QUEUE_FAIR_SHARES = "default=3"; // the jobs service's heldBack reads it too
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
  });
  afterEach(async () => {
    await killIfRunning(worker);
    worker = undefined;
  });
  afterAll(async () => {
    delete process.env.QUEUE_FAIR_SHARES;
    await stack?.stop();
  });

  const enqueueMany = async (jobs: object[], apiKey = stack.apiKey): Promise<PublicJob[]> => {
    const created: PublicJob[] = [];
    for (let from = 0; from < jobs.length; from += 1_000) {
      const response = await stack.http("POST", "/api/v1/jobs/bulk", { jobs: jobs.slice(from, from + 1_000) }, { authorization: `Bearer ${apiKey}` });
      expect(response.status).toBe(202);
      created.push(...(response.body as { jobs: PublicJob[] }).jobs);
    }
    return created;
  };
  const startedCount = (ids: string[]) => stack.db("jobs").whereIn("id", ids).whereNotNull("started_at").count<{ count: string }[]>("* as count");
  const row = (id: string) => stack.db("jobs").where({ id }).first("status", "created_at", "run_at", "started_at", "finished_at");
  const finished = (id: string) => waitFor(() => row(id), (current) => current?.status === "succeeded", { timeoutMs: 60_000, intervalMs: 50 });
  /** Low-priority jobs that started after `from` and before the high-priority one did. */
  const overtaking = async (lowIds: string[], from: Date, until: Date) =>
    Number(
      (
        await stack.db("jobs").whereIn("id", lowIds).where("started_at", ">", from).where("started_at", "<", until).count<{ count: string }[]>("* as count")
      )[0].count,
    );

  it("starts a high-priority job within the next few starts, ahead of 1,000 waiting low-priority ones, also after a delay", async () => {
    worker = spawnNode("demo", { NODE_ID: "priority-worker", WORKER_PREFETCH: "4", QUEUE_FAIR_SHARES: "" });
    await waitForConsumers("default", 1);
    const lows = await enqueueMany(Array.from({ length: 1_000 }, () => ({ task: "demo.sleep", payload: { ms: 15 } })));
    const lowIds = lows.map((job) => job.id);
    await waitFor(() => startedCount(lowIds), ([{ count }]) => Number(count) >= 20, { timeoutMs: 30_000, intervalMs: 20 });

    const [urgent] = await enqueueMany([{ task: "demo.sleep", payload: { ms: 15 }, priority: 10 }]);
    const urgentRow = await finished(urgent.id);
    const lowsStartedBefore = Number((await stack.db("jobs").whereIn("id", lowIds).where("started_at", "<", urgentRow.started_at).count<{ count: string }[]>("* as count"))[0].count);
    expect(lowsStartedBefore).toBeLessThan(500); // it did not wait its turn behind the backlog
    expect(await overtaking(lowIds, urgentRow.created_at, urgentRow.started_at)).toBeLessThanOrEqual(10);

    // A delayed job comes back from the delay queue into its own lane, not behind the backlog.
    const [delayed] = await enqueueMany([{ task: "demo.sleep", payload: { ms: 15 }, priority: 9, delayMs: 500 }]);
    const delayedRow = await finished(delayed.id);
    expect(await overtaking(lowIds, delayedRow.run_at, delayedRow.started_at)).toBeLessThanOrEqual(10);
    const unstarted = await stack.db("jobs").whereIn("id", lowIds).whereNull("started_at").count<{ count: string }[]>("* as count");
    expect(Number(unstarted[0].count)).toBeGreaterThan(0); // the backlog was still there: the lane, not luck
    await waitFor(() => startedCount(lowIds), ([{ count }]) => Number(count) === 1_000, { timeoutMs: 120_000, intervalMs: 250 });
  });

  it("with a fair-share cap, a second organization's jobs start while the first still has thousands waiting", async () => {
    worker = spawnNode("demo", { NODE_ID: "fair-share-worker", WORKER_PREFETCH: "20", QUEUE_FAIR_SHARES: "default=3" });
    await waitForConsumers("default", 1);
    const first = await enqueueMany(Array.from({ length: 2_000 }, () => ({ task: "demo.sleep", payload: { ms: 20 } })));
    const firstIds = first.map((job) => job.id);
    await waitFor(() => startedCount(firstIds), ([{ count }]) => Number(count) >= 3, { timeoutMs: 30_000, intervalMs: 20 });

    const secondOrganization = await createOrganization(stack.db, `fair-share-${Date.now()}`);
    const secondKey = await createApiKey(stack.db, secondOrganization, "fair share");
    const second = await enqueueMany(Array.from({ length: 5 }, () => ({ task: "demo.sleep", payload: { ms: 20 } })), secondKey);
    for (const job of second) await finished(job.id);
    const firstWaiting = await stack.db("jobs").whereIn("id", firstIds).whereNull("finished_at").count<{ count: string }[]>("* as count");
    expect(Number(firstWaiting[0].count)).toBeGreaterThan(1_000);

    // While the first organization holds its share, its waiting jobs say why. Each probe asks about
    // a job still waiting then: one picked once may get its turn before a probe sees the share full.
    const detail = await waitFor(
      async () => {
        const waiting = await stack.db("jobs").whereIn("id", firstIds).where({ status: "queued" }).orderBy("id", "desc").first("id");
        return stack.http("GET", `/api/v1/jobs/${waiting.id}`);
      },
      (response) => response.body.heldBack === "fair_share",
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(detail.body.status).toBe("queued");

    // And it never ran more than its share at once.
    await worker.kill("SIGTERM");
    const ran = await stack.db("jobs").whereIn("id", firstIds).whereNotNull("finished_at").select("started_at", "finished_at");
    const edges = ran.flatMap((job) => [
      { at: job.started_at.getTime(), delta: 1 },
      { at: job.finished_at.getTime(), delta: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let most = 0;
    for (const edge of edges) most = Math.max(most, (running += edge.delta));
    expect(ran.length).toBeGreaterThan(10);
    expect(most).toBeLessThanOrEqual(3);
  });
});
