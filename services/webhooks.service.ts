import { randomBytes } from "node:crypto";
import { Service, ServiceBroker } from "moleculer";
import type { Knex } from "knex";
import { config } from "../config";
import { conflict, limitReached, notFound } from "../shared/http/api-errors";
import { EventHead, updatesByEventIds } from "../shared/db/jobs/job-updates";
import {
  countUnenqueuedDeliveries,
  findDelivery,
  insertDeliveries,
  listDeliveries,
  markDeliveriesEnqueued,
  organizationWebhookSecret,
  planningStatus,
  replayDelivery,
  unenqueuedDeliveries,
  WebhookDeliveryRow,
} from "../shared/db/webhooks/deliveries";
import {
  activeSubscriptions,
  deleteSubscription,
  findSubscription,
  countSubscriptions,
  insertSubscription,
  listSubscriptions,
  updateSubscription,
  WebhookSubscriptionRow,
} from "../shared/db/webhooks/subscriptions";
import { needsDelivery, planDeliveries } from "../shared/domains/webhooks/delivery-planner";
import { enqueueMany, jobFor } from "../shared/engine/enqueue/enqueue";
import { CheckpointedConsumer } from "../shared/engine/events/checkpointed-consumer";
import { Leadership } from "../shared/engine/leadership";
import { METRIC, registerMetrics } from "../shared/engine/metrics";
import { backoffDelay } from "../shared/engine/retries/backoff";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
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
  replays: row.replays,
  lastStatusCode: row.last_status_code,
  lastError: row.last_error,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

const PLANNER_CHECKPOINT = "webhook-planner";
const PLANNER_LOCK_KEY = 0x0c0_3e6b;
/** Full job updates (payload and result) loaded at once while planning, to bound memory. */
const UPDATES_PER_LOAD = 50;
/** Outbox rows read per pass; enqueueMany sends them in calls within the bulk cap. */
const OUTBOX_PAGE = 5_000;
/** One delivery job per delivery and replay: enqueueing it again (after a crash) finds the same job. */
const deliveryJobKey = (row: { id: string; replays: number }) => (row.replays === 0 ? `webhook:${row.id}` : `webhook:${row.id}:replay-${row.replays}`);
const OUTBOX_BACKOFF = { type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true } as const;

/**
 * Webhooks: subscriptions (REST CRUD), per-job callback URLs, and signed deliveries.
 *
 * Planning is a checkpointed consumer of job_events run by one leader: it reads the events after its
 * checkpoint, records every matching delivery once (unique per event and target) in the transaction
 * that advances the checkpoint, then enqueues a `webhooks.deliver` job for each recorded row (the
 * rows are an outbox until then). Retries and backoff of a delivery are the job pipeline's own.
 */
export default class WebhooksService extends Service {
  private runtime!: Runtime;
  private leadership: Leadership | undefined;
  private planner: CheckpointedConsumer | undefined;
  /** Organizations whose delivery jobs could not be enqueued, and when to try them again. */
  private readonly enqueueRetries = new Map<string, { failures: number; retryAt: number }>();

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "webhooks",
      tasks: webhookTasks,
      actions: {
        createSubscription: async (ctx: WebhooksContext) => {
          const fields = parseParams(subscriptionCreateParams, ctx.params);
          const organizationId = organizationOf(ctx);
          const cap = config().WEBHOOK_SUBSCRIPTIONS_MAX_PER_ORGANIZATION;
          if ((await countSubscriptions(this.runtime.db, organizationId)) >= cap) {
            throw limitReached("webhook subscriptions", cap, "WEBHOOK_SUBSCRIPTIONS_MAX_PER_ORGANIZATION");
          }
          const secret = `whsec_${randomBytes(24).toString("base64url")}`;
          const row = await insertSubscription(this.runtime.db, organizationId, fields, secret);
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
        replayDelivery: async (ctx: WebhooksContext) => {
          const { id } = parseParams(webhookIdParams, ctx.params);
          const replayed = await replayDelivery(this.runtime.db, organizationOf(ctx), id);
          if (replayed) return publicDelivery(replayed);
          if (!(await findDelivery(this.runtime.db, organizationOf(ctx), id))) throw notFound("Webhook delivery");
          throw conflict("The delivery is still pending; only a succeeded or failed delivery can be replayed");
        },
        secret: async (ctx: WebhooksContext) => ({
          secret: await organizationWebhookSecret(this.runtime.db, organizationOf(ctx)),
        }),
        planning: (ctx: WebhooksContext) => planningStatus(this.runtime.db, PLANNER_CHECKPOINT, organizationOf(ctx)),
        planner: () => ({ leader: this.leadership?.isLeader ?? false, checkpoint: this.planner?.checkpoint ?? null }),
      },
      started: () => this.startService(),
      stopped: () => this.leadership?.stop(),
    });
  }

  private async startService(): Promise<void> {
    this.runtime = await runtimeFor(this.broker);
    registerMetrics(this.broker);
    this.leadership = new Leadership({
      databaseUrl: this.runtime.config.DATABASE_URL,
      lockKey: PLANNER_LOCK_KEY,
      name: "conveyor-webhook-planner",
      logger: this.logger,
      retryMs: 1_000,
      onElected: async () => {
        this.planner = new CheckpointedConsumer({
          db: this.runtime.db,
          name: PLANNER_CHECKPOINT,
          logger: this.logger,
          handle: (trx, events) => this.plan(trx, events),
          afterStep: () => this.enqueuePlanned(),
          onError: (error) => {
            this.countFailure("plan");
            this.logger.error("Could not plan webhook deliveries; retrying", error);
          },
          onLag: (events) => this.broker.metrics.set(METRIC.webhookPlanningLag, events),
        });
        this.planner.start();
      },
      onDeposed: async () => {
        await this.planner?.stop();
        this.planner = undefined;
      },
    });
    this.leadership.start();
  }

  private countFailure(stage: "plan" | "organization" | "enqueue"): void {
    this.broker.metrics.increment(METRIC.webhookPlanningFailures, { stage });
  }

  /**
   * Records the deliveries a page of events makes, organization by organization (each in a savepoint,
   * so one organization's failure leaves the others' rows in place); a failed organization's events
   * are retried by the consumer.
   */
  private async plan(trx: Knex.Transaction, events: EventHead[]): Promise<{ failedIds: string[] }> {
    const organizations = [...new Set(events.map((event) => event.organizationId))];
    const subscriptions = await activeSubscriptions(trx, organizations);
    const failedIds: string[] = [];
    for (const organizationId of organizations) {
      const own = subscriptions.filter((subscription) => subscription.organization_id === organizationId);
      const wanted = events.filter((event) => event.organizationId === organizationId && needsDelivery(event, own));
      if (wanted.length === 0) continue;
      try {
        await trx.transaction(async (savepoint) => {
          for (let start = 0; start < wanted.length; start += UPDATES_PER_LOAD) {
            const ids = wanted.slice(start, start + UPDATES_PER_LOAD).map((event) => event.id);
            const updates = await updatesByEventIds(savepoint, ids);
            await insertDeliveries(savepoint, updates.flatMap((update) => planDeliveries(update, own)));
          }
        });
      } catch (error) {
        this.countFailure("organization");
        this.logger.error(`Could not plan webhook deliveries of organization ${organizationId}; retrying`, error);
        failedIds.push(...wanted.map((event) => event.id));
      }
    }
    return { failedIds };
  }

  /**
   * Enqueues the delivery jobs of recorded rows (the outbox), organization by organization. The job's
   * idempotency key is the delivery id, so enqueueing again after a crash sends nothing twice. An
   * organization whose enqueue fails waits with backoff; the others carry on.
   */
  private async enqueuePlanned(): Promise<void> {
    const { db } = this.runtime;
    for (;;) {
      const now = Date.now();
      const waiting = [...this.enqueueRetries].filter(([, retry]) => retry.retryAt > now).map(([organizationId]) => organizationId);
      const rows = await unenqueuedDeliveries(db, OUTBOX_PAGE, waiting);
      const byOrganization = new Map<string, typeof rows>();
      for (const row of rows) byOrganization.set(row.organization_id, [...(byOrganization.get(row.organization_id) ?? []), row]);
      for (const [organizationId, group] of byOrganization) {
        const ids = group.map((row) => row.id);
        try {
          await enqueueMany(
            this.broker,
            organizationId,
            group.map((row) => jobFor(deliverWebhook, { deliveryId: row.id }, { idempotencyKey: deliveryJobKey(row) })),
          );
          await markDeliveriesEnqueued(db, ids);
          this.enqueueRetries.delete(organizationId);
        } catch (error) {
          const failures = (this.enqueueRetries.get(organizationId)?.failures ?? 0) + 1;
          this.enqueueRetries.set(organizationId, { failures, retryAt: Date.now() + backoffDelay(OUTBOX_BACKOFF, failures) });
          this.countFailure("enqueue");
          this.logger.error(`Could not enqueue ${ids.length} webhook deliveries of organization ${organizationId}; retrying`, error);
        }
      }
      if (rows.length < OUTBOX_PAGE) break;
    }
    this.broker.metrics.set(METRIC.webhookOutbox, await countUnenqueuedDeliveries(db));
  }
}
