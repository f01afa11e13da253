import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import type { ConcurrencyKeyState, FlowControlState, ThrottleState } from "../../shared/db/jobs/flow-control-state";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { documentValidator } from "../support/openapi-routes";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const HOUR_MS = 3_600_000;

/** GET /api/v1/flow-control: the organization's paused queues, concurrency keys and throttles, on the real stack. */
describe("flow control view", () => {
  let stack: Stack;
  let otherOrganization: string;
  let otherKey: string;
  const validator = documentValidator();
  /** Jobs that would keep the demo worker busy past the test: cancelled at the end. */
  const sleepers: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo"] });
    otherOrganization = await createOrganization(stack.db, `other-${Date.now()}`);
    otherKey = await createApiKey(stack.db, otherOrganization, "other");
  });
  afterAll(async () => {
    for (const id of sleepers) await stack?.http("DELETE", `/api/v1/jobs/${id}`);
    await stack?.stop();
  });

  const as = (key: string | undefined): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {});
  const enqueue = async (body: object, key?: string): Promise<PublicJob> => {
    const response = await stack.http("POST", "/api/v1/jobs", body, as(key));
    expect(response.status).toBe(202);
    return response.body as PublicJob;
  };
  /** The answer, checked against the OpenAPI document each time. */
  const view = async (key?: string): Promise<FlowControlState> => {
    const response = await stack.http("GET", "/api/v1/flow-control", undefined, as(key));
    expect(response.status).toBe(200);
    expect(validator.responseErrors("get", "/flow-control", 200, response.body)).toEqual([]);
    return response.body as FlowControlState;
  };
  const concurrencyKey = (state: FlowControlState, key: string): ConcurrencyKeyState | undefined => state.concurrencyKeys.find((item) => item.key === key);
  const throttle = (state: FlowControlState, key: string): ThrottleState | undefined => state.throttles.find((item) => item.key === key);

  it("answers nothing to watch for an organization without pauses or keys", async () => {
    expect(await view()).toEqual({ pausedQueues: [], concurrencyKeys: [], throttles: [], truncated: false });
  });

  it("lists paused queues, and each concurrency key's running jobs, waiting jobs and smallest limit", async () => {
    const k1 = `org:${stack.organizationId}:k1`;
    expect((await stack.http("POST", "/api/v1/queues/ai/pause")).status).toBe(200);
    // On the paused queue: waits, whatever its key allows.
    await enqueue({ task: "demo.echo", payload: { text: "paused" }, queue: "ai", concurrency: { key: "on-paused", limit: 5 } });
    const first = await enqueue({ task: "demo.sleep", payload: { ms: 60_000 }, concurrency: { key: "k1", limit: 1 } });
    const second = await enqueue({ task: "demo.sleep", payload: { ms: 60_000 }, concurrency: { key: "k1", limit: 1 } });
    sleepers.push(first.id, second.id);
    const running = await waitFor(view, (state) => concurrencyKey(state, k1)?.running === 1, { timeoutMs: 15_000, intervalMs: 200 });
    expect(concurrencyKey(running, k1)).toEqual({ key: k1, scope: "organization", name: "k1", task: null, running: 1, waiting: 1, limit: 1 });

    // A larger limit does not raise the key's (the smallest wins), and a scheduled job counts as waiting.
    const larger = await enqueue({ task: "demo.sleep", payload: { ms: 60_000 }, concurrency: { key: "k1", limit: 3 } });
    sleepers.push(larger.id);
    await enqueue({ task: "demo.echo", payload: { text: "later" }, delayMs: HOUR_MS, concurrency: { key: "k1", limit: 1 } });
    const state = await view();
    expect(state.pausedQueues).toEqual(["ai"]);
    expect(concurrencyKey(state, k1)).toMatchObject({ running: 1, waiting: 3, limit: 1 });
    expect(concurrencyKey(state, `org:${stack.organizationId}:on-paused`)).toMatchObject({ scope: "organization", name: "on-paused", running: 0, waiting: 1, limit: 5 });
    // The busiest key first.
    expect(state.concurrencyKeys.map((item) => item.name)).toEqual(["k1", "on-paused"]);
    expect(state.truncated).toBe(false);

    // Once the key's jobs are cancelled, it is gone from the list.
    for (const id of sleepers.splice(0)) expect((await stack.http("DELETE", `/api/v1/jobs/${id}`)).status).toBe(200);
    const after = await waitFor(view, (current) => concurrencyKey(current, k1)?.running === 0, { timeoutMs: 10_000, intervalMs: 200 });
    expect(concurrencyKey(after, k1)).toMatchObject({ running: 0, waiting: 1 }); // the scheduled one
  });

  it("lists each throttle with its starts in the period, its limit and period, and its waiting jobs", async () => {
    const t1 = `org:${stack.organizationId}:t1`;
    const jobs = await Promise.all([1, 2, 3, 4].map((n) => enqueue({ task: "demo.echo", payload: { text: `throttled ${n}` }, throttle: { key: "t1", limit: 2, periodMs: 60_000 } })));
    // Two start (and finish) at once; the other two wait out the minute.
    const state = await waitFor(view, (current) => throttle(current, t1)?.startsInPeriod === 2 && throttle(current, t1)?.waiting === 2, { timeoutMs: 15_000, intervalMs: 200 });
    expect(throttle(state, t1)).toEqual({ key: t1, scope: "organization", name: "t1", task: null, limit: 2, periodMs: 60_000, startsInPeriod: 2, waiting: 2 });
    const statuses = await Promise.all(jobs.map(async (job) => (await stack.job(job.id)).status));
    expect(statuses.filter((status) => status === "succeeded")).toHaveLength(2);
    expect(statuses.filter((status) => status === "queued")).toHaveLength(2);
  });

  it("shows another organization none of the first one's pauses or keys, and each its own key of the same name", async () => {
    expect(await view(otherKey)).toEqual({ pausedQueues: [], concurrencyKeys: [], throttles: [], truncated: false });
    await enqueue({ task: "demo.echo", payload: { text: "theirs" }, delayMs: HOUR_MS, concurrency: { key: "k1", limit: 7 }, throttle: { key: "t1", limit: 9, periodMs: 1_000 } }, otherKey);

    const theirs = await view(otherKey);
    expect(theirs.pausedQueues).toEqual([]);
    expect(theirs.concurrencyKeys).toEqual([{ key: `org:${otherOrganization}:k1`, scope: "organization", name: "k1", task: null, running: 0, waiting: 1, limit: 7 }]);
    expect(theirs.throttles).toEqual([{ key: `org:${otherOrganization}:t1`, scope: "organization", name: "t1", task: null, limit: 9, periodMs: 1_000, startsInPeriod: 0, waiting: 1 }]);

    const ours = await view();
    expect(ours.pausedQueues).toEqual(["ai"]);
    const keys = [...ours.concurrencyKeys, ...ours.throttles].map((item) => item.key);
    expect(keys.every((key) => key.startsWith(`org:${stack.organizationId}:`))).toBe(true);
    expect(concurrencyKey(ours, `org:${stack.organizationId}:k1`)).toMatchObject({ waiting: 1, limit: 1 });

    // Resuming takes the queue off the list.
    expect((await stack.http("POST", "/api/v1/queues/ai/resume")).status).toBe(200);
    expect((await view()).pausedQueues).toEqual([]);
  });

  it("answers at most 100 keys of a kind, the busiest first, and says when it left some out", async () => {
    const crowded = await createOrganization(stack.db, `crowded-${Date.now()}`);
    const crowdedKey = await createApiKey(stack.db, crowded, "crowded");
    const keyed = (key: string) => ({ task: "demo.echo", payload: { text: key }, delayMs: HOUR_MS, concurrency: { key, limit: 2 }, throttle: { key, limit: 2, periodMs: 60_000 } });
    const jobs = [...Array.from({ length: 120 }, (_, n) => keyed(`key-${n}`)), ...Array.from({ length: 3 }, () => keyed("busy"))];
    expect((await stack.http("POST", "/api/v1/jobs/bulk", { jobs }, as(crowdedKey))).status).toBe(202);

    const state = await view(crowdedKey);
    expect(state.truncated).toBe(true);
    expect(state.concurrencyKeys).toHaveLength(100);
    expect(state.throttles).toHaveLength(100);
    expect(state.concurrencyKeys[0]).toMatchObject({ name: "busy", waiting: 3 });
    expect(state.throttles[0]).toMatchObject({ name: "busy", waiting: 3 });
  });

  it("needs an API key", async () => {
    const response = await fetch(`${stack.baseUrl}/api/v1/flow-control`);
    expect(response.status).toBe(401);
  });
});
