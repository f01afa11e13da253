import { deliveryWithSecret, recordDeliveryAttempt } from "../shared/db/webhooks/deliveries";
import { PermanentError, TransientError } from "../shared/engine/tasks/task-errors";
import { runtimeFor } from "../shared/engine/runtime";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/webhooks";
import { SIGNATURE_HEADER, signatureFor } from "../shared/domains/webhooks/signature";
import { outboundFetch } from "../shared/http/outbound/outbound-fetch";
import { OutboundRefusedError } from "../shared/http/outbound/outbound-policy";

const DELIVERY_TIMEOUT_MS = 10_000;
/** A receiver's answer is only its status; its body is not read beyond this. */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs one webhook delivery, signed, under the outbound policy (redirects are not followed: a 3xx is
 * a failed attempt). Any answer but 2xx (or no answer) is retried with backoff through the job
 * pipeline's retry queues; an address the policy refuses fails the delivery at once. The delivery row
 * shows status, attempts and the last code. The delivery is looked up within the job's organization.
 */
export const deliverWebhook = defineTask({
  ...declared.deliverWebhook,
  async run(ctx, { deliveryId }) {
    const { db } = await runtimeFor(ctx.broker);
    const delivery = await deliveryWithSecret(db, ctx.organizationId, deliveryId);
    if (!delivery) throw new PermanentError(`Webhook delivery ${deliveryId} does not exist in this organization`);
    if (delivery.status !== "pending") return { status: delivery.status };

    const body = JSON.stringify(delivery.body);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const response = await outboundFetch(delivery.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Conveyor-Webhooks/1",
          "conveyor-event": delivery.event_type,
          "conveyor-delivery": delivery.id,
          [SIGNATURE_HEADER]: signatureFor(delivery.secret, timestamp, body),
        },
        body,
        signal: ctx.signal,
        timeoutMs: DELIVERY_TIMEOUT_MS,
        maxRedirects: 0,
        maxBytes: MAX_ANSWER_BYTES,
      });
      statusCode = response.status;
      await response.body?.cancel();
      if (response.ok) {
        await recordDeliveryAttempt(db, ctx.organizationId, deliveryId, { status: "succeeded", statusCode, error: null });
        return { status: "succeeded", statusCode };
      }
      error = `receiver answered ${statusCode}`;
    } catch (thrown) {
      if (ctx.signal.aborted) throw thrown;
      if (thrown instanceof OutboundRefusedError) {
        await recordDeliveryAttempt(db, ctx.organizationId, deliveryId, { status: "failed", statusCode: null, error: thrown.message });
        throw new PermanentError(thrown.message);
      }
      error = (thrown as Error).message;
    }
    const lastAttempt = ctx.attempt >= ctx.maxAttempts;
    await recordDeliveryAttempt(db, ctx.organizationId, deliveryId, { status: lastAttempt ? "failed" : "pending", statusCode, error });
    throw new TransientError(`Webhook delivery to ${delivery.url} failed: ${error}`);
  },
});

export const webhookTasks = [deliverWebhook];
