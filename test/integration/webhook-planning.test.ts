import type { Middleware } from "moleculer";
import { JOB_STATUSES } from "../../shared/db/jobs/job-record";
import { BROADCAST_BUDGET_BYTES } from "../../shared/engine/events/bounded-update";
import { prometheusText } from "../../shared/engine/metrics";
import { openStream } from "../support/sse";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { ReceivedRequest, startReceiver } from "../support/webhook-receiver";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

const transporter = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const EVERY_EVENT_TYPE = [...JOB_STATUSES, "progress"];

interface Delivered {
  deliveryId: string;
  eventId: string;
  type: string;
  jobId: string;
}
const delivered = (request: ReceivedRequest): Delivered => {
  const body = JSON.parse(request.body) as { id: string; type: string; job: { id: string } };
  return { deliveryId: request.headers["conveyor-delivery"] as string, eventId: body.id, type: body.type, jobId: body.job.id };
};
const distinctDeliveryIds = (requests: ReceivedRequest[]) => new Set(requests.map((request) => request.headers["conveyor-delivery"]));

async function subscribe(stack: Stack, url: string): Promise<string> {
  const created = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url, eventTypes: EVERY_EVENT_TYPE });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function enqueueEchoJobs(stack: Stack, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 1_000) {
    const size = Math.min(1_000, count - start);
    const { status, body } = await stack.http("POST", "/api/v1/jobs/bulk", {
      jobs: Array.from({ length: size }, (_, n) => ({ task: "demo.echo", payload: { text: `${label}-${start + n}` } })),
    });
    expect(status).toBe(202);
    ids.push(...body.jobs.map((job: { id: string }) => job.id));
  }
  return ids;
}

async function countSucceeded(stack: Stack, jobIds: string[]): Promise<number> {
  const { rows } = await stack.db.raw("SELECT count(*)::int AS n FROM jobs WHERE id = ANY(?::uuid[]) AND status = 'succeeded'", [jobIds]);
  return rows[0].n;
}

/** Event ids of these jobs from job_events (the source of truth), by type. */
async function eventsOf(stack: Stack, jobIds: string[]): Promise<{ id: string; type: string }[]> {
  const { rows } = await stack.db.raw("SELECT id::text, type FROM job_events WHERE job_id = ANY(?::uuid[]) ORDER BY id", [jobIds]);
  return rows;
}

async function deliveryRows(stack: Stack, jobIds: string[]) {
  const { rows } = await stack.db.raw(
    `SELECT status, count(*)::int AS n, count(DISTINCT (event_id, target))::int AS planned, count(*) FILTER (WHERE enqueued_at IS NULL)::int AS unenqueued
     FROM webhook_deliveries WHERE job_id = ANY(?::uuid[]) GROUP BY status`,
    [jobIds],
  );
  return rows as { status: string; n: number; planned: number; unenqueued: number }[];
}

describe("webhook planning from job_events", () => {
  it("delivers every event of 1,000 bulk-enqueued jobs to three subscriptions, and leaves no delivery pending", async () => {
    const stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks"] });
    const receivers = await Promise.all([0, 1, 2].map(() => startReceiver([200])));
    try {
      await waitFor(() => stack.broker.call<{ leader: boolean }>("webhooks.planner"), (status) => status.leader);
      for (const receiver of receivers) await subscribe(stack, receiver.url);

      const jobIds = await enqueueEchoJobs(stack, 1_000, "bulk");
      await waitFor(() => countSucceeded(stack, jobIds), (n) => n === 1_000, { timeoutMs: 120_000, intervalMs: 500 });
      const events = await eventsOf(stack, jobIds);
      expect(events.filter((event) => event.type === "succeeded")).toHaveLength(1_000);

      await waitFor(
        async () => receivers.map((receiver) => distinctDeliveryIds(receiver.requests).size),
        (counts) => counts.every((count) => count >= events.length),
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      for (const receiver of receivers) {
        const got = receiver.requests.map(delivered);
        // Every event of every job, once per subscription: queued, running and succeeded for each of the 1,000.
        expect(new Set(got.map((delivery) => delivery.eventId))).toEqual(new Set(events.map((event) => event.id)));
        for (const type of ["queued", "running", "succeeded"]) {
          expect(new Set(got.filter((delivery) => delivery.type === type).map((delivery) => delivery.jobId)).size).toBe(1_000);
        }
      }
      // SQL: one delivery row per (event, subscription), all succeeded, none pending or waiting in the outbox.
      const rows = await waitFor(
        () => deliveryRows(stack, jobIds),
        (found) => found.length === 1 && found[0].status === "succeeded",
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(rows).toEqual([{ status: "succeeded", n: 3 * events.length, planned: 3 * events.length, unenqueued: 0 }]);

      // Planning has caught up, as the dashboard's endpoint and the Prometheus gauges say.
      const planning = await waitFor(
        async () => (await stack.http("GET", "/api/v1/webhooks/planning")).body,
        (status) => status.lagEvents === 0,
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(planning).toMatchObject({ lagEvents: 0, outbox: 0, failed: 0 });
      const metrics = await waitFor(
        async () => prometheusText(stack.broker) ?? "",
        (text) => /^conveyor_webhooks_planning_lag_events\{[^}]*\} 0$/m.test(text),
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      expect(metrics).toMatch(/^conveyor_webhooks_outbox_deliveries\{[^}]*\} 0$/m);
    } finally {
      await Promise.all(receivers.map((receiver) => receiver.close()));
      await stack.stop();
    }
  }, 400_000);

  it("plans every event once when the webhooks node is SIGKILLed while 2,000 jobs finish, then started again", async () => {
    const stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier"], transporter, nodeID: "core" });
    const receiver = await startReceiver([200]);
    const spawnWebhooks = () => spawnNode("webhooks", { NODE_ID: `webhooks-${Date.now()}` });
    let webhooks = spawnWebhooks();
    try {
      await stack.broker.waitForServices(["webhooks"], 30_000);
      await waitForConsumers("webhooks", 1);
      const subscriptionId = await subscribe(stack, receiver.url);

      const jobIds = await enqueueEchoJobs(stack, 2_000, "kill");
      // Killed while the jobs run and their events are being planned.
      await waitFor(() => countSucceeded(stack, jobIds), (n) => n >= 200, { timeoutMs: 60_000, intervalMs: 100 });
      webhooks.kill("SIGKILL");
      await exited(webhooks);
      await waitFor(() => countSucceeded(stack, jobIds), (n) => n === 2_000, { timeoutMs: 120_000, intervalMs: 500 });
      const receivedWhileDown = receiver.requests.length;

      webhooks = spawnWebhooks();
      const events = await eventsOf(stack, jobIds);
      expect(events).toHaveLength(3 * 2_000);
      await waitFor(
        async () => distinctDeliveryIds(receiver.requests).size,
        (count) => count >= events.length,
        { timeoutMs: 240_000, intervalMs: 500 },
      );
      expect(receiver.requests.length).toBeGreaterThan(receivedWhileDown);

      const got = receiver.requests.map(delivered);
      // Every subscribed event arrived, and no event was planned twice: one delivery id per event.
      const deliveryIdsByEvent = new Map<string, Set<string>>();
      for (const delivery of got) {
        deliveryIdsByEvent.set(delivery.eventId, (deliveryIdsByEvent.get(delivery.eventId) ?? new Set()).add(delivery.deliveryId));
      }
      expect(new Set(deliveryIdsByEvent.keys())).toEqual(new Set(events.map((event) => event.id)));
      expect([...deliveryIdsByEvent.values()].filter((ids) => ids.size !== 1)).toEqual([]);

      const rows = await waitFor(
        () => deliveryRows(stack, jobIds),
        (found) => found.length === 1 && found[0].status === "succeeded",
        { timeoutMs: 60_000, intervalMs: 300 },
      );
      expect(rows).toEqual([{ status: "succeeded", n: events.length, planned: events.length, unenqueued: 0 }]);
      const { rows: subscriptions } = await stack.db.raw(
        "SELECT DISTINCT subscription_id FROM webhook_deliveries WHERE job_id = ANY(?::uuid[])",
        [jobIds],
      );
      expect(subscriptions).toEqual([{ subscription_id: subscriptionId }]);
      // Redelivery of the same id (a POST in flight at the kill) is the documented at-least-once; report it.
      const repeats = receiver.requests.length - distinctDeliveryIds(receiver.requests).size;
      process.stdout.write(`webhook-planning kill test: ${repeats} repeated POSTs of a delivery id\n`);
    } finally {
      webhooks.kill("SIGKILL");
      await exited(webhooks);
      await receiver.close();
      await stack.stop();
    }
  }, 500_000);

  it("carries a job with a 900 KB payload and result to SSE clients and subscribers, every broadcast within the budget", async () => {
    const eventPacketBytes: number[] = [];
    const allPacketBytes: number[] = [];
    const watchPackets: Middleware = {
      transporterSend(next: (topic: string, data: Buffer, meta: { packet: { type: string } }) => Promise<void>) {
        return (topic: string, data: Buffer, meta: { packet: { type: string } }) => {
          allPacketBytes.push(data.length);
          if (meta.packet.type === "EVENT") eventPacketBytes.push(data.length);
          return next(topic, data, meta);
        };
      },
    } as unknown as Middleware; // moleculer's typings do not list the transporterSend hook
    const core = await startStack({
      services: ["jobs", "demo", "notifier", "webhooks"],
      transporter,
      nodeID: "core-large",
      middlewares: [watchPackets],
    });
    const edge = await startStack({ services: ["gateway", "auth"], transporter, nodeID: "edge-large", middlewares: [watchPackets] });
    const receiver = await startReceiver([200]);
    try {
      await Promise.all([core, edge].map((stack) => stack.broker.waitForServices(["gateway", "auth", "jobs", "notifier", "webhooks"], 30_000)));
      const created = await edge.http(
        "POST",
        "/api/v1/webhooks/subscriptions",
        { url: receiver.url, eventTypes: ["succeeded"] },
        { authorization: `Bearer ${core.apiKey}` },
      );
      expect(created.status).toBe(201);
      const stream = openStream(`${edge.baseUrl}/api/v1/jobs/stream`, core.apiKey);
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const blob = "x".repeat(900_000);
        const enqueued = await core.call<{ job: { id: string } }>("jobs.enqueue", { task: "demo.echo", payload: { text: "large", blob } });
        const jobId = enqueued.job.id;

        const seen = await stream.waitForEvents((events) => events.some((event) => event.update.job.id === jobId && event.type === "succeeded"), 60_000);
        const succeeded = seen.find((event) => event.update.job.id === jobId && event.type === "succeeded")!;
        // SSE clients get the update, with the large fields by reference, and read them on demand.
        expect((succeeded.update as { omitted?: string[] }).omitted).toEqual(["payload", "result"]);
        expect(succeeded.update.job.status).toBe("succeeded");
        const full = await edge.http("GET", `/api/v1/jobs/${jobId}`, undefined, { authorization: `Bearer ${core.apiKey}` });
        expect(full.body.result.blob).toHaveLength(900_000);

        // Subscribers get the whole job (the delivery is built from Postgres, not from the broadcast).
        await waitFor(async () => receiver.requests.length, (count) => count >= 1, { timeoutMs: 60_000, intervalMs: 200 });
        const body = JSON.parse(receiver.requests[0].body);
        expect(body.job.id).toBe(jobId);
        expect(body.job.payload.blob).toHaveLength(900_000);
        expect(body.job.result.blob).toHaveLength(900_000);
      } finally {
        stream.close();
      }
      // No event message over the transporter carried the 1.8 MB job: each stayed within the broadcast
      // budget (plus the packet envelope), far under RabbitMQ's max_message_size (128 MiB by default).
      expect(eventPacketBytes.length).toBeGreaterThan(0);
      expect(Math.max(...eventPacketBytes)).toBeLessThanOrEqual(BROADCAST_BUDGET_BYTES + 16 * 1024);
      expect(Math.max(...allPacketBytes)).toBeLessThan(128 * 1024 * 1024);
    } finally {
      await receiver.close();
      await edge.stop();
      await core.stop();
    }
  }, 200_000);
});
