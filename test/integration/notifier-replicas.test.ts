import type { ServiceSchema } from "moleculer";
import type { JobUpdate } from "../../shared/db/jobs/job-updates";
import { openStream, ReceivedEvent } from "../support/sse";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const transporter = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";

/** Two replicas of one subscribing service; together they must see each update exactly once. */
const received = new Map<string, string[]>();
const auditService = (replica: string): ServiceSchema => ({
  name: "audit",
  events: {
    "job.updated": {
      handler(ctx: { params: JobUpdate }) {
        received.set(ctx.params.id, [...(received.get(ctx.params.id) ?? []), replica]);
      },
    },
  },
});

describe("two notifier replicas over the AMQP transporter", () => {
  let front: Stack;
  let second: Stack;
  let third: Stack;

  beforeAll(async () => {
    front = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier"], transporter, nodeID: "front" });
    second = await startStack({ services: ["gateway", "notifier"], extraServices: [auditService("second")], transporter, nodeID: "second" });
    third = await startStack({ services: [], extraServices: [auditService("third")], transporter, nodeID: "third" });
    await Promise.all(
      [front, second, third].map((stack) =>
        stack.broker.waitForServices(["gateway", "auth", "jobs", "notifier", "audit"], 20_000),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all([third.stop(), second.stop(), front.stop()]);
  });

  const leaderOf = async () => {
    const statuses = await Promise.all(
      [front, second].map(async (stack) => ({ stack, leader: (await stack.broker.call<{ leader: boolean }, object>("notifier.status", {}, { nodeID: stack.broker.nodeID })).leader })),
    );
    return statuses.filter((status) => status.leader).map((status) => status.stack);
  };
  const succeededIn = (events: ReceivedEvent[], ids: string[]) =>
    ids.every((id) => events.some((event) => event.update.job.id === id && event.type === "succeeded"));

  it("has one leader, balances subscriber events and broadcasts to every gateway", async () => {
    const leaders = await waitFor(leaderOf, (found) => found.length === 1);
    expect(leaders).toHaveLength(1);

    const viaFront = openStream(`${front.baseUrl}/api/v1/jobs/stream`, front.apiKey);
    const viaSecond = openStream(`${second.baseUrl}/api/v1/jobs/stream`, front.apiKey);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { body } = await front.http("POST", "/api/v1/jobs/bulk", {
        jobs: Array.from({ length: 20 }, (_, n) => ({ task: "demo.echo", payload: { text: `r${n}` } })),
      });
      const ids: string[] = body.jobs.map((job: { id: string }) => job.id);
      await viaFront.waitForEvents((events) => succeededIn(events, ids));
      await viaSecond.waitForEvents((events) => succeededIn(events, ids));

      const eventIds = viaFront.events.filter((event) => ids.includes(event.update.job.id)).map((event) => event.id);
      expect(eventIds).toHaveLength(60); // queued, running, succeeded for each
      expect(viaSecond.events.filter((event) => ids.includes(event.update.job.id)).map((event) => event.id)).toEqual(eventIds);
      await waitFor(async () => eventIds.filter((id) => received.has(id)).length, (count) => count === eventIds.length);
      for (const id of eventIds) expect(received.get(id)).toHaveLength(1);
    } finally {
      viaFront.close();
      viaSecond.close();
    }
  });

  it("hands over to the other notifier when the leader stops, missing nothing", async () => {
    const [leader] = await leaderOf();
    const survivor = leader === front ? second : front;
    await leader.broker.destroyService(leader.broker.getLocalService("notifier"));
    await waitFor(
      () => survivor.broker.call<{ leader: boolean }, object>("notifier.status", {}, { nodeID: survivor.broker.nodeID }),
      (status) => status.leader,
      { timeoutMs: 10_000 },
    );
    const stream = openStream(`${second.baseUrl}/api/v1/jobs/stream`, front.apiKey);
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { body } = await front.http("POST", "/api/v1/jobs/bulk", {
        jobs: Array.from({ length: 10 }, (_, n) => ({ task: "demo.echo", payload: { text: `h${n}` } })),
      });
      const ids: string[] = body.jobs.map((job: { id: string }) => job.id);
      const events = await stream.waitForEvents((all) => succeededIn(all, ids));
      const mine = events.filter((event) => ids.includes(event.update.job.id));
      expect(mine).toHaveLength(30);
      await waitFor(async () => mine.filter((event) => received.has(event.id)).length, (count) => count === 30);
      for (const event of mine) expect(received.get(event.id)).toHaveLength(1);
    } finally {
      stream.close();
    }
  });
});
