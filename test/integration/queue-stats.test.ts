import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import type { PublicQueueStats } from "../../shared/db/jobs/queue-stats";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

/** GET /api/v1/stats/queues: per-queue throughput and latency from the organization's own job history. */
describe("queue stats", () => {
  let stack: Stack;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo"] });
    otherKey = await createApiKey(stack.db, await createOrganization(stack.db, `other-${Date.now()}`), "other");
  });
  afterAll(() => stack.stop());

  const stats = async (query = "", key?: string) => {
    const response = await stack.http("GET", `/api/v1/stats/queues${query}`, undefined, key ? { authorization: `Bearer ${key}` } : {});
    expect(response.status).toBe(200);
    return response.body as PublicQueueStats;
  };

  it("counts started, succeeded and failed jobs per queue and bucket, with first-attempt latency", async () => {
    const bulk = await stack.http("POST", "/api/v1/jobs/bulk", {
      jobs: [...Array.from({ length: 4 }, () => ({ task: "demo.echo", payload: { text: "count me" } })), { task: "demo.fail", payload: { failTimes: -1, permanent: true } }],
    });
    expect(bulk.status).toBe(202);
    for (const { id } of bulk.body.jobs as { id: string }[]) {
      await waitFor(() => stack.job(id), (job) => job.status === "succeeded" || job.status === "failed");
    }

    const answer = await stats();
    expect(answer).toMatchObject({ minutes: 15, bucketSeconds: 10 });
    expect(answer.all.buckets).toHaveLength(90);
    expect(Date.parse(answer.all.buckets[0].at)).toBe(Date.parse(answer.from));
    const queue = answer.queues.find((item) => item.queue === "default");
    expect(queue).toMatchObject({ started: 5, succeeded: 4, failed: 1 });
    expect(queue?.latencyP50Ms).toEqual(expect.any(Number));
    expect(queue?.latencyP99Ms).toBeGreaterThanOrEqual(queue?.latencyP50Ms ?? 0);
    expect(answer.all).toMatchObject({ started: 5, succeeded: 4, failed: 1 });
    const busy = queue?.buckets.filter((bucket) => bucket.started > 0) ?? [];
    expect(busy.reduce((sum, bucket) => sum + bucket.started, 0)).toBe(5);
    expect(busy.every((bucket) => bucket.latencyP50Ms !== null)).toBe(true);
    // Queues no job went to are there, with zeros, so a client can list every queue.
    expect(answer.queues.find((item) => item.queue === "ai")).toMatchObject({ started: 0, latencyP50Ms: null });

    // Any window has buckets with the same fixed starts, so a client can merge a short one into a long one.
    const lastMinute = await stats("?minutes=1");
    expect(lastMinute.all.buckets).toHaveLength(6);
    for (const { at } of [...answer.all.buckets, ...lastMinute.all.buckets]) expect(Date.parse(at) % 10_000).toBe(0);

    // Another organization's history is not counted.
    expect((await stats("", otherKey)).all).toMatchObject({ started: 0, succeeded: 0, failed: 0 });
  });

  it("answers a window outside 1–60 minutes with 422", async () => {
    for (const minutes of ["0", "61", "1.5", "soon"]) {
      const response = await stack.http("GET", `/api/v1/stats/queues?minutes=${minutes}`);
      expect({ minutes, status: response.status, code: response.body.error?.code }).toEqual({ minutes, status: 422, code: "VALIDATION_FAILED" });
    }
    expect((await stack.http("GET", "/api/v1/stats/queues?bucket=1")).status).toBe(422);
  });
});
