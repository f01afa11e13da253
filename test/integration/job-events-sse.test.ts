import { openStream, ReceivedEvent } from "../support/sse";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const ofJob = (events: ReceivedEvent[], jobId: string) => events.filter((event) => event.update.job.id === jobId);
const types = (events: ReceivedEvent[]) => events.map((event) => event.type);

describe("job events over SSE", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier"] });
    await waitFor(() => stack.broker.call<{ leader: boolean }>("notifier.status"), (status) => status.leader);
  });
  afterAll(async () => {
    await stack.stop();
  });

  const enqueue = async (body: object) => (await stack.http("POST", "/api/v1/jobs", body)).body as { id: string };

  it("streams live events of the organization in order, with ids and event names", async () => {
    const stream = openStream(`${stack.baseUrl}/api/v1/jobs/stream`, stack.apiKey);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the stream open
      const job = await enqueue({ task: "demo.fail", payload: { failTimes: 1 } });
      const events = await stream.waitForEvents((all) => types(ofJob(all, job.id)).includes("succeeded"));
      const mine = ofJob(events, job.id);
      expect(types(mine)).toEqual(["queued", "running", "retrying", "running", "succeeded"]);
      const ids = mine.map((event) => BigInt(event.id));
      expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
      expect(mine[4].update.job.status).toBe("succeeded");
      expect(mine[4].update.job.result).toEqual({ succeededOnAttempt: 2 });
    } finally {
      stream.close();
    }
  });

  it("replays exactly the missed events after a reconnect with Last-Event-ID", async () => {
    const first = openStream(`${stack.baseUrl}/api/v1/jobs/stream?task=demo.echo`, stack.apiKey);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = await enqueue({ task: "demo.echo", payload: { text: "before" } });
    const seen = await first.waitForEvents((all) => types(ofJob(all, before.id)).includes("succeeded"));
    first.close();
    const lastSeen = seen[seen.length - 1].id;

    // While disconnected: these happen and must come back on reconnect, once each.
    const missed = await Promise.all([1, 2, 3].map((n) => enqueue({ task: "demo.echo", payload: { text: `missed${n}` } })));
    await waitFor(() => Promise.all(missed.map((job) => stack.job(job.id))), (jobs) => jobs.every((job) => job.status === "succeeded"));

    const second = openStream(`${stack.baseUrl}/api/v1/jobs/stream?task=demo.echo`, stack.apiKey, lastSeen);
    try {
      const after = await enqueue({ task: "demo.echo", payload: { text: "after" } });
      const events = await second.waitForEvents((all) => types(ofJob(all, after.id)).includes("succeeded"));
      for (const job of missed) expect(types(ofJob(events, job.id))).toEqual(["queued", "running", "succeeded"]);
      expect(events.every((event) => BigInt(event.id) > BigInt(lastSeen))).toBe(true);
      const ids = events.map((event) => event.id);
      expect(new Set(ids).size).toBe(ids.length); // no duplicates
      expect(ofJob(events, before.id)).toEqual([]);
    } finally {
      second.close();
    }
  });

  it("never shows one organization's events to another", async () => {
    const other = await startStack({ services: [] });
    const foreign = openStream(`${stack.baseUrl}/api/v1/jobs/stream`, other.apiKey);
    const own = openStream(`${stack.baseUrl}/api/v1/jobs/stream`, stack.apiKey);
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const job = await enqueue({ task: "demo.echo", payload: { text: "private" } });
      await own.waitForEvents((all) => types(ofJob(all, job.id)).includes("succeeded"));
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(foreign.events).toEqual([]);
    } finally {
      foreign.close();
      own.close();
      await other.stop();
    }
  });

  it("closes a single job's stream after its terminal event, replaying its history first", async () => {
    const job = await enqueue({ task: "demo.echo", payload: { text: "one" } });
    await waitFor(() => stack.job(job.id), (current) => current.status === "succeeded");
    const stream = openStream(`${stack.baseUrl}/api/v1/jobs/${job.id}/events`, stack.apiKey);
    await stream.ended;
    expect(types(stream.events)).toEqual(["queued", "running", "succeeded"]);

    const live = await enqueue({ task: "demo.sleep", payload: { ms: 300 } });
    const liveStream = openStream(`${stack.baseUrl}/api/v1/jobs/${live.id}/events`, stack.apiKey);
    await liveStream.ended;
    expect(types(liveStream.events)).toEqual(["queued", "running", "progress", "succeeded"]);
  });

  it("still serves a job's history as JSON without the event-stream Accept header", async () => {
    const job = await enqueue({ task: "demo.echo", payload: { text: "json" } });
    await waitFor(() => stack.job(job.id), (current) => current.status === "succeeded");
    const response = await stack.http("GET", `/api/v1/jobs/${job.id}/events`);
    expect(response.status).toBe(200);
    expect(response.body.items.map((item: { type: string }) => item.type)).toEqual(["queued", "running", "succeeded"]);
  });

  it("loses no event when the notifier's Postgres connection is killed", async () => {
    const stream = openStream(`${stack.baseUrl}/api/v1/jobs/stream?task=demo.echo`, stack.apiKey);
    const received: string[] = [];
    const subscriber = stack.broker.createService({
      name: "test-subscriber",
      events: { "job.succeeded": { handler: (ctx: { params: { job: { id: string } } }) => void received.push(ctx.params.job.id) } },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const { listenerPid } = await stack.broker.call<{ listenerPid: number }>("notifier.status");
      expect(listenerPid).toEqual(expect.any(Number));
      await stack.db.raw("SELECT pg_terminate_backend(?)", [listenerPid]);
      // Committed while the notifier is reconnecting: announced from job_events on replay.
      const jobs = await Promise.all([1, 2, 3, 4, 5].map((n) => enqueue({ task: "demo.echo", payload: { text: `outage${n}` } })));
      const events = await stream.waitForEvents((all) => jobs.every((job) => types(ofJob(all, job.id)).includes("succeeded")));
      for (const job of jobs) expect(types(ofJob(events, job.id))).toEqual(["queued", "running", "succeeded"]);
      await waitFor(async () => received, (ids) => jobs.every((job) => ids.includes(job.id)));
      const status = await stack.broker.call<{ listenerPid: number }>("notifier.status");
      expect(status.listenerPid).not.toBe(listenerPid);
    } finally {
      stream.close();
      await stack.broker.destroyService(subscriber);
    }
  });
});

