import { z } from "zod";
import { declareTask } from "../../shared/engine/tasks/define-task";
import { QUEUE_ROUTES } from "./queue-routes";

/** POSTs one webhook delivery, signed (services/webhooks.tasks.ts); retried with backoff up to 5 minutes apart. */
export const deliverWebhook = declareTask(
  {
    name: "webhooks.deliver",
    visibility: "internal",
    queue: "webhooks",
    payload: z.object({ deliveryId: z.string().uuid() }),
    maxAttempts: 6,
    backoff: { type: "exponential", baseMs: 1_000, maxMs: 300_000, jitter: true },
  },
  QUEUE_ROUTES,
);

export const webhookTasks = [deliverWebhook];
