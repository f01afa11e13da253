import { deliveryWithSecret, recordDeliveryAttempt } from "../shared/db/webhooks/deliveries";
import { PermanentError, TransientError } from "../shared/engine/tasks/task-errors";
import { runtimeFor } from "../shared/engine/runtime";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/webhooks";
import { SIGNATURE_HEADER, signatureFor } from "../shared/domains/webhooks/signature";

const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * POSTs one webhook delivery, signed. Any answer but 2xx (or no answer) is retried with backoff
 * through the job pipeline's retry queues; the delivery row shows status, attempts and the last code.
 */
export const deliverWebhook = defineTask({
  ...declared.deliverWebhook,
  async run(ctx, { deliveryId }) {
    const { db } = await runtimeFor(ctx.broker);
    const delivery = await deliveryWithSecret(db, deliveryId);
    if (!delivery) throw new PermanentError(`Webhook delivery ${deliveryId} no longer exists`);
    if (delivery.status !== "pending") return { status: delivery.status };

    const body = JSON.stringify(delivery.body);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await fetch(delivery.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Conveyor-Webhooks/1",
          "conveyor-event": delivery.event_type,
          "conveyor-delivery": delivery.id,
          [SIGNATURE_HEADER]: signatureFor(delivery.secret, timestamp, body),
        },
        body,
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(DELIVERY_TIMEOUT_MS)]),
        redirect: "manual",
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (response.ok) {
        await recordDeliveryAttempt(db, deliveryId, { status: "succeeded", statusCode, error: null });
        return { status: "succeeded", statusCode };
      }
      error = `receiver answered ${statusCode}`;
    } catch (thrown) {
      error = (thrown as Error).message;
    }
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    await recordDeliveryAttempt(db, deliveryId, { status: lastAttempt ? "failed" : "pending", statusCode, error });
    throw new TransientError(`Webhook delivery to ${delivery.url} failed: ${error}`);
  },
});

export const webhookTasks = [deliverWebhook];
