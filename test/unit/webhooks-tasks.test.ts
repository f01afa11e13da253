import { randomInt, randomUUID } from "node:crypto";
import { deliverWebhook } from "../../services/webhooks.tasks";
import { findDelivery, insertDeliveries, organizationWebhookSecret } from "../../shared/db/webhooks/deliveries";
import type { Db } from "../../shared/db/knex";
import { SIGNATURE_HEADER, verifySignature } from "../../shared/domains/webhooks/signature";
import { runTask } from "../../shared/testing/run-task";
import { openTaskDatabase } from "../support/task-database";
import { startReceiver } from "../support/webhook-receiver";

describe("deliverWebhook, run eagerly against the run's database", () => {
  let db: Db;
  let organizationId: string;
  beforeAll(async () => {
    ({ db, organizationId } = await openTaskDatabase());
  });
  afterAll(() => db.destroy());

  const options = () => ({ runtime: { db }, organizationId });
  const body = { event: "job.succeeded", job: { id: "j1", task: "demo.echo" } };

  /** A job callback waiting in the outbox for `url`, as webhook planning records it; returns its id. */
  async function pendingDelivery(url: string): Promise<string> {
    const eventId = String(randomInt(2 ** 47));
    await insertDeliveries(db, [
      { organizationId, subscriptionId: null, target: "callback", jobId: randomUUID(), eventId, eventType: "job.succeeded", url, body },
    ]);
    const [row] = await db("webhook_deliveries").where({ event_id: eventId, target: "callback" }).select<{ id: string }[]>("id");
    return row.id;
  }

  it("POSTs the signed body to the receiver and records the delivery as succeeded", async () => {
    const receiver = await startReceiver([204]);
    try {
      const id = await pendingDelivery(receiver.url);
      const run = await runTask(deliverWebhook, { deliveryId: id }, options());
      expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { status: "succeeded", statusCode: 204 } });

      expect(receiver.requests).toHaveLength(1);
      const [request] = receiver.requests;
      expect(JSON.parse(request.body)).toEqual(body);
      expect(request.headers).toMatchObject({ "conveyor-delivery": id, "conveyor-event": "job.succeeded" });
      const secret = (await organizationWebhookSecret(db, organizationId)) ?? "";
      expect(verifySignature(secret, String(request.headers[SIGNATURE_HEADER]), request.body)).toBe(true);
      expect(await findDelivery(db, organizationId, id)).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 204, last_error: null });
    } finally {
      await receiver.close();
    }
  });

  it("retries a 5xx per the task's policy until the receiver takes it", async () => {
    const receiver = await startReceiver([503, 500, 200]);
    try {
      const id = await pendingDelivery(receiver.url);
      const run = await runTask(deliverWebhook, { deliveryId: id }, options());
      expect(run).toMatchObject({ status: "succeeded", attempts: 3 });
      expect(run.errors.map((error) => error.message)).toEqual([expect.stringContaining("receiver answered 503"), expect.stringContaining("receiver answered 500")]);
      expect(run.delays).toHaveLength(2);
      expect(receiver.requests.map((request) => request.answeredWith)).toEqual([503, 500, 200]);
      expect(await findDelivery(db, organizationId, id)).toMatchObject({ status: "succeeded", attempts: 3, last_status_code: 200 });
    } finally {
      await receiver.close();
    }
  });

  it("fails the delivery after the last attempt, with the last answer recorded", async () => {
    const receiver = await startReceiver([502]);
    try {
      const id = await pendingDelivery(receiver.url);
      const run = await runTask(deliverWebhook, { deliveryId: id }, { ...options(), maxAttempts: 2 });
      expect(run).toMatchObject({ status: "failed", attempts: 2, error: { type: "TransientError" } });
      expect(await findDelivery(db, organizationId, id)).toMatchObject({ status: "failed", attempts: 2, last_status_code: 502, last_error: "receiver answered 502" });
    } finally {
      await receiver.close();
    }
  });

  it("fails at once for an address the outbound policy refuses", async () => {
    // setup-env allows 127.0.0.1/32 only: the rest of loopback stays refused.
    const id = await pendingDelivery("http://127.0.0.2:9/hook");
    const run = await runTask(deliverWebhook, { deliveryId: id }, options());
    expect(run).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError", message: expect.stringContaining("outbound policy") } });
    expect(await findDelivery(db, organizationId, id)).toMatchObject({ status: "failed", attempts: 1, last_status_code: null });
  });

  it("does nothing for a delivery that is no longer pending, and fails at once for another organization's", async () => {
    const receiver = await startReceiver([200]);
    try {
      const id = await pendingDelivery(receiver.url);
      await runTask(deliverWebhook, { deliveryId: id }, options());
      expect(await runTask(deliverWebhook, { deliveryId: id }, options())).toMatchObject({ status: "succeeded", result: { status: "succeeded" } });
      expect(receiver.requests).toHaveLength(1);
      const elsewhere = await runTask(deliverWebhook, { deliveryId: id }, { ...options(), organizationId: randomUUID() });
      expect(elsewhere).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
    } finally {
      await receiver.close();
    }
  });
});
