import { randomBytes } from "node:crypto";
import { Context, Service, ServiceBroker } from "moleculer";
import { notFound } from "../shared/http/api-errors";
import { TERMINAL_STATUSES, JobStatus } from "../shared/db/jobs/job-record";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import {
  findDelivery,
  insertDeliveries,
  listDeliveries,
  NewDelivery,
  organizationWebhookSecret,
  WebhookDeliveryRow,
} from "../shared/db/webhooks/deliveries";
import {
  activeSubscriptions,
  deleteSubscription,
  findSubscription,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
  WebhookSubscriptionRow,
} from "../shared/db/webhooks/subscriptions";
import { enqueueMany, jobFor } from "../shared/engine/enqueue/enqueue";
import { JOB_UPDATED } from "../shared/lib/event-names";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { SerialBatcher } from "../shared/lib/serial-batcher";
import { organizationOf } from "../shared/http/caller";
import { apiPath } from "../shared/http/api-paths";
import { HttpContext, respondWith } from "../shared/http/http-meta";
import { deliveryListParams, subscriptionCreateParams, subscriptionUpdateParams, webhookIdParams } from "../shared/domains/webhooks/webhook-params";
import { deliverWebhook, webhookTasks } from "./webhooks.tasks";

type WebhooksContext = HttpContext;


const publicSubscription = (row: WebhookSubscriptionRow) => ({
  id: row.id,
  url: row.url,
  eventTypes: row.event_types,
  task: row.task,
  active: row.active,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const publicDelivery = (row: WebhookDeliveryRow) => ({
  id: row.id,
  subscriptionId: row.subscription_id,
  jobId: row.job_id,
  eventId: String(row.event_id),
  eventType: row.event_type,
  url: row.url,
  status: row.status,
  attempts: row.attempts,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

/** A job's own callbackUrl hears about its end; subscriptions choose their event types. */
const isTerminal = (type: string) => TERMINAL_STATUSES.includes(type as JobStatus);

/**
 * Webhooks: subscriptions (REST CRUD), per-job callback URLs, and signed deliveries. It subscribes to
 * the notifier's `job.updated` like any other service would, turns matching updates into delivery
 * rows, and delivers each as a `webhooks.deliver` job, so retries and backoff are the pipeline's own.
 */
export default class WebhooksService extends Service {
  private runtime!: Runtime;
  private readonly updates = new SerialBatcher<JobUpdate>((batch) => this.planDeliveries(batch), 500, 5, (error) =>
    this.logger.error("Could not plan webhook deliveries", error),
  );

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "webhooks",
      tasks: webhookTasks,
      actions: {
        createSubscription: async (ctx: WebhooksContext) => {
          const fields = parseParams(subscriptionCreateParams, ctx.params);
          const secret = `whsec_${randomBytes(24).toString("base64url")}`;
          const row = await insertSubscription(this.runtime.db, organizationOf(ctx), fields, secret);
          respondWith(ctx, 201, apiPath("webhooks", "subscriptions", row.id));
          // The secret is shown once, here; store it to verify signatures.
          return { ...publicSubscription(row), secret };
        },
        listSubscriptions: async (ctx: WebhooksContext) => ({
          items: (await listSubscriptions(this.runtime.db, organizationOf(ctx))).map(publicSubscription),
        }),
        getSubscription: async (ctx: WebhooksContext) => {
          const { id } = parseParams(webhookIdParams, ctx.params);
          const row = await findSubscription(this.runtime.db, organizationOf(ctx), id);
          if (!row) throw notFound("Webhook subscription");
          return publicSubscription(row);
        },
        updateSubscription: async (ctx: WebhooksContext) => {
          const { id, ...fields } = parseParams(subscriptionUpdateParams, ctx.params);
          const row = await updateSubscription(this.runtime.db, organizationOf(ctx), id, fields);
          if (!row) throw notFound("Webhook subscription");
          return publicSubscription(row);
        },
        deleteSubscription: async (ctx: WebhooksContext) => {
          const { id } = parseParams(webhookIdParams, ctx.params);
          if (!(await deleteSubscription(this.runtime.db, organizationOf(ctx), id))) throw notFound("Webhook subscription");
          return { id, deleted: true };
        },
        listDeliveries: async (ctx: WebhooksContext) => {
          const { limit, ...filter } = parseParams(deliveryListParams, ctx.params);
          return { items: (await listDeliveries(this.runtime.db, organizationOf(ctx), filter, limit)).map(publicDelivery) };
        },
        getDelivery: async (ctx: WebhooksContext) => {
          const { id } = parseParams(webhookIdParams, ctx.params);
          const row = await findDelivery(this.runtime.db, organizationOf(ctx), id);
          if (!row) throw notFound("Webhook delivery");
          return publicDelivery(row);
        },
        secret: async (ctx: WebhooksContext) => ({
          secret: await organizationWebhookSecret(this.runtime.db, organizationOf(ctx)),
        }),
      },
      events: {
        [JOB_UPDATED]: (ctx: Context<JobUpdate>) => this.updates.add(ctx.params),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
      },
      stopped: () => this.updates.drain(),
    });
  }

  /** Turns a batch of job updates into delivery rows and their delivery jobs. */
  private async planDeliveries(updates: JobUpdate[]): Promise<void> {
    // Deliveries are jobs too; announcing their own progress by webhook would never end.
    const relevant = updates.filter((update) => update.job.task !== deliverWebhook.name);
    if (relevant.length === 0) return;
    const organizations = [...new Set(relevant.map((update) => update.job.organizationId))];
    const subscriptions = await activeSubscriptions(this.runtime.db, organizations);
    const planned: NewDelivery[] = [];
    for (const update of relevant) {
      const base = {
        organizationId: update.job.organizationId,
        jobId: update.job.id,
        eventId: update.id,
        eventType: update.type,
        body: { id: update.id, type: update.type, at: update.at, job: update.job },
      };
      if (update.job.callbackUrl && isTerminal(update.type)) {
        planned.push({ ...base, subscriptionId: null, target: "callback", url: update.job.callbackUrl });
      }
      for (const subscription of subscriptions) {
        if (
          subscription.organization_id === update.job.organizationId &&
          subscription.event_types.includes(update.type) &&
          (!subscription.task || subscription.task === update.job.task)
        ) {
          planned.push({ ...base, subscriptionId: subscription.id, target: subscription.id, url: subscription.url });
        }
      }
    }
    if (planned.length === 0) return;
    const pending = (await insertDeliveries(this.runtime.db, planned)).filter((row) => row.status === "pending");
    const byOrganization = new Map<string, WebhookDeliveryRow[]>();
    for (const row of pending) byOrganization.set(row.organization_id, [...(byOrganization.get(row.organization_id) ?? []), row]);
    for (const [organizationId, rows] of byOrganization) {
      await enqueueMany(
        this.broker,
        organizationId,
        rows.map((row) => jobFor(deliverWebhook, { deliveryId: row.id }, { idempotencyKey: `webhook:${row.id}` })),
      );
    }
  }
}
