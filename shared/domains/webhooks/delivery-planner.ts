import type { EventHead, JobUpdate } from "../../db/jobs/job-updates";
import { JobStatus, TERMINAL_STATUSES } from "../../db/jobs/job-record";
import type { NewDelivery } from "../../db/webhooks/deliveries";
import type { WebhookSubscriptionRow } from "../../db/webhooks/subscriptions";

/** The task that delivers webhooks: its own events are never announced by webhook, or it would never end. */
export const DELIVERY_TASK = "webhooks.deliver";

/** The target of a job's own callbackUrl; a subscription's target is its id. */
export const CALLBACK_TARGET = "callback";

type Subscription = Pick<WebhookSubscriptionRow, "id" | "organization_id" | "url" | "event_types" | "task">;
type EventFacts = Pick<EventHead, "organizationId" | "type" | "task">;

/** A job's own callbackUrl hears about its end; subscriptions choose their event types. */
const isTerminal = (type: string) => TERMINAL_STATUSES.includes(type as JobStatus);

const subscribed = (subscription: Subscription, event: EventFacts) =>
  subscription.organization_id === event.organizationId &&
  subscription.event_types.includes(event.type) &&
  (!subscription.task || subscription.task === event.task);

/** Whether an event needs any delivery, from its head alone (no payload loaded). */
export function needsDelivery(event: EventHead, subscriptions: Subscription[]): boolean {
  if (event.task === DELIVERY_TASK) return false;
  if (event.hasCallbackUrl && isTerminal(event.type)) return true;
  return subscriptions.some((subscription) => subscribed(subscription, event));
}

/** Every delivery one job update makes: one per matching subscription, and the job's callback at its end. */
export function planDeliveries(update: JobUpdate, subscriptions: Subscription[]): NewDelivery[] {
  const event = { organizationId: update.job.organizationId, type: update.type, task: update.job.task };
  if (event.task === DELIVERY_TASK) return [];
  const base = {
    organizationId: event.organizationId,
    jobId: update.job.id,
    eventId: update.id,
    eventType: update.type,
    body: { id: update.id, type: update.type, at: update.at, job: update.job },
  };
  const planned: NewDelivery[] = [];
  if (update.job.callbackUrl && isTerminal(update.type)) {
    planned.push({ ...base, subscriptionId: null, target: CALLBACK_TARGET, url: update.job.callbackUrl });
  }
  for (const subscription of subscriptions) {
    if (subscribed(subscription, event)) {
      planned.push({ ...base, subscriptionId: subscription.id, target: subscription.id, url: subscription.url });
    }
  }
  return planned;
}
