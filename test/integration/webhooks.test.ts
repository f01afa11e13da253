import { SIGNATURE_HEADER, verifySignature } from "../../shared/domains/webhooks/signature";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { startReceiver } from "../support/webhook-receiver";

describe("webhooks", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks"] });
    await waitFor(() => stack.broker.call<{ leader: boolean }>("notifier.status"), (status) => status.leader);
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("retries a failing receiver with backoff and records the one success, every request signed", async () => {
    const receiver = await startReceiver([500, 503, 200]);
    try {
      const created = await stack.http("POST", "/api/v1/webhooks/subscriptions", {
        url: receiver.url,
        eventTypes: ["succeeded"],
        task: "demo.echo",
      });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^whsec_/);
      const { body: job } = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "hook me" } });

      const delivery = await waitFor(
        async () => (await stack.http("GET", `/api/v1/webhooks/deliveries?jobId=${job.id}`)).body.items[0],
        (item) => item?.status === "succeeded",
        { timeoutMs: 30_000, intervalMs: 200 },
      );
      expect(delivery.attempts).toBe(3);
      expect(delivery.lastStatusCode).toBe(200);
      expect(delivery.subscriptionId).toBe(created.body.id);

      expect(receiver.requests.map((request) => request.answeredWith)).toEqual([500, 503, 200]);
      for (const request of receiver.requests) {
        const signature = request.headers[SIGNATURE_HEADER] as string;
        expect(verifySignature(created.body.secret, signature, request.body)).toBe(true);
        expect(verifySignature("whsec_wrong", signature, request.body)).toBe(false);
        const payload = JSON.parse(request.body);
        expect(payload.type).toBe("succeeded");
        expect(payload.job.id).toBe(job.id);
        expect(payload.job.result).toEqual({ text: "hook me" });
      }
      // Retries wait the task's jittered backoff: at least half of 1 s, then half of 2 s.
      const [first, second, third] = receiver.requests.map((request) => request.receivedAt);
      expect(second - first).toBeGreaterThanOrEqual(500);
      expect(third - second).toBeGreaterThanOrEqual(1_000);
    } finally {
      await receiver.close();
    }
  });

  it("calls a job's callbackUrl when it finishes, signed with the organization's secret", async () => {
    const receiver = await startReceiver([200]);
    try {
      const { body: job } = await stack.http("POST", "/api/v1/jobs", {
        task: "demo.fail",
        payload: { failTimes: -1, permanent: true },
        callbackUrl: receiver.url,
      });
      await waitFor(async () => receiver.requests.length, (count) => count === 1, { timeoutMs: 15_000 });
      const { body: secret } = await stack.http("GET", "/api/v1/webhooks/secret");
      const [request] = receiver.requests;
      expect(verifySignature(secret.secret, request.headers[SIGNATURE_HEADER] as string, request.body)).toBe(true);
      const payload = JSON.parse(request.body);
      expect(payload.type).toBe("failed");
      expect(payload.job.id).toBe(job.id);
      expect(payload.job.error.type).toBe("PermanentError");
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.requests).toHaveLength(1); // only the terminal event, once
    } finally {
      await receiver.close();
    }
  });

  it("replays a finished delivery with the same delivery id, and refuses to replay a pending one", async () => {
    const receiver = await startReceiver([200]);
    try {
      const created = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: receiver.url, eventTypes: ["succeeded"], task: "demo.echo" });
      const { body: job } = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "again" } });
      const delivery = await waitFor(
        async () => (await stack.http("GET", `/api/v1/webhooks/deliveries?jobId=${job.id}&subscriptionId=${created.body.id}`)).body.items[0],
        (item) => item?.status === "succeeded",
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const replayed = await stack.http("POST", `/api/v1/webhooks/deliveries/${delivery.id}/replay`);
      expect(replayed.status).toBe(200);
      expect(replayed.body).toMatchObject({ id: delivery.id, status: "pending", replays: 1 });
      const again = await stack.http("POST", `/api/v1/webhooks/deliveries/${delivery.id}/replay`);
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBeDefined();

      const done = await waitFor(
        async () => (await stack.http("GET", `/api/v1/webhooks/deliveries/${delivery.id}`)).body,
        (item) => item.status === "succeeded" && item.attempts === 2,
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      expect(done.replays).toBe(1);
      expect(receiver.requests.map((request) => request.headers["conveyor-delivery"])).toEqual([delivery.id, delivery.id]);
      expect(created.body.id).toBe(delivery.subscriptionId);
      const missing = await stack.http("POST", "/api/v1/webhooks/deliveries/00000000-0000-4000-8000-000000000000/replay");
      expect(missing.status).toBe(404);
    } finally {
      await receiver.close();
    }
  });

  it("refuses callback and subscription URLs that are not http(s)", async () => {
    const job = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, callbackUrl: "ftp://example.com/x" });
    expect(job.status).toBe(422);
    expect(job.body.error.details[0].path).toBe("callbackUrl");
    const subscription = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: "file:///etc/passwd" });
    expect(subscription.status).toBe(422);
  });

  it("manages subscriptions: list without secrets, update, delete, then 404", async () => {
    const created = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: "http://127.0.0.1:9/unused", eventTypes: ["failed"] });
    const id = created.body.id;
    const listed = await stack.http("GET", "/api/v1/webhooks/subscriptions");
    expect(listed.body.items.map((item: { id: string }) => item.id)).toContain(id);
    expect(listed.body.items[0].secret).toBeUndefined();
    const updated = await stack.http("PATCH", `/api/v1/webhooks/subscriptions/${id}`, { active: false, eventTypes: ["succeeded", "failed"] });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ active: false, eventTypes: ["succeeded", "failed"] });
    const removed = await stack.http("DELETE", `/api/v1/webhooks/subscriptions/${id}`);
    expect(removed.status).toBe(200);
    expect((await stack.http("GET", `/api/v1/webhooks/subscriptions/${id}`)).status).toBe(404);
  });
});
