import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export type DeliveryStatus = "pending" | "succeeded" | "failed";

export interface WebhookDeliveryRow {
  id: string;
  organization_id: string;
  subscription_id: string | null;
  target: string;
  job_id: string;
  event_id: string;
  event_type: string;
  url: string;
  body: unknown;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  enqueued_at: Date | null;
  replays: number;
  created_at: Date;
  updated_at: Date;
}

export interface NewDelivery {
  organizationId: string;
  subscriptionId: string | null;
  target: string;
  jobId: string;
  eventId: string;
  eventType: string;
  url: string;
  body: unknown;
}

/**
 * Records deliveries, one per (event, target): re-planning an event after a crash creates nothing
 * twice. Returns how many rows were new. The rows wait in the outbox (`enqueued_at` null) until
 * their delivery jobs are enqueued.
 */
export async function insertDeliveries(db: Knex, deliveries: NewDelivery[]): Promise<number> {
  if (deliveries.length === 0) return 0;
  const column = <T>(pick: (delivery: NewDelivery) => T) => pgArray(deliveries.map(pick));
  const result = await db.raw<{ rowCount: number }>(
    `INSERT INTO webhook_deliveries (organization_id, subscription_id, target, job_id, event_id, event_type, url, body)
     SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::jsonb[])
     ON CONFLICT (event_id, target) DO NOTHING`,
    [
      column((delivery) => delivery.organizationId),
      column((delivery) => delivery.subscriptionId),
      column((delivery) => delivery.target),
      column((delivery) => delivery.jobId),
      column((delivery) => delivery.eventId),
      column((delivery) => delivery.eventType),
      column((delivery) => delivery.url),
      column((delivery) => JSON.stringify(delivery.body)),
    ],
  );
  return result.rowCount;
}

/** Deliveries whose job is not enqueued yet (the outbox), oldest first. */
export async function unenqueuedDeliveries(
  db: Knex,
  limit: number,
  skipOrganizations: string[] = [],
): Promise<Pick<WebhookDeliveryRow, "id" | "organization_id" | "replays">[]> {
  const query = db("webhook_deliveries").whereNull("enqueued_at");
  if (skipOrganizations.length > 0) query.whereNotIn("organization_id", skipOrganizations);
  return query.orderBy("created_at").limit(limit).select("id", "organization_id", "replays");
}

export async function markDeliveriesEnqueued(db: Knex, ids: string[]): Promise<void> {
  await db.raw("UPDATE webhook_deliveries SET enqueued_at = now() WHERE id = ANY(?::uuid[])", [pgArray(ids)]);
}

/**
 * Puts a finished delivery (succeeded or failed) back in the outbox to be sent again, with the same
 * delivery id. Returns undefined when there is no such delivery or it is still pending.
 */
export async function replayDelivery(db: Knex, organizationId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  const [row] = await db<WebhookDeliveryRow>("webhook_deliveries")
    .where({ id, organization_id: organizationId })
    .whereIn("status", ["succeeded", "failed"])
    .update({ status: "pending", enqueued_at: null, replays: db.raw("replays + 1"), updated_at: db.fn.now() })
    .returning("*");
  return row;
}

export interface PlanningStatus {
  /** Job events after the planner's checkpoint (all organizations): how far planning is behind. */
  lagEvents: number;
  checkpoint: string;
  /** The organization's deliveries whose delivery job is not enqueued yet. */
  outbox: number;
  /** The organization's deliveries that failed for good (replayable). */
  failed: number;
}

/** Where webhook planning stands, for one organization's dashboard. */
export async function planningStatus(db: Knex, checkpointName: string, organizationId: string): Promise<PlanningStatus> {
  const { rows } = await db.raw<{ rows: { latest: string; checkpoint: string; outbox: number; failed: number }[] }>(
    `SELECT (SELECT COALESCE(max(id), 0) FROM job_events)::text AS latest,
            (SELECT COALESCE(max(last_event_id), 0) FROM notifier_checkpoints WHERE name = ?)::text AS checkpoint,
            (SELECT count(*)::int FROM webhook_deliveries WHERE organization_id = ? AND enqueued_at IS NULL) AS outbox,
            (SELECT count(*)::int FROM webhook_deliveries WHERE organization_id = ? AND status = 'failed') AS failed`,
    [checkpointName, organizationId, organizationId],
  );
  const [row] = rows;
  const lag = BigInt(row.latest) - BigInt(row.checkpoint);
  return { lagEvents: Number(lag > 0n ? lag : 0n), checkpoint: row.checkpoint, outbox: row.outbox, failed: row.failed };
}

/** How many deliveries wait for their job to be enqueued. */
export async function countUnenqueuedDeliveries(db: Knex): Promise<number> {
  const { rows } = await db.raw<{ rows: { count: string }[] }>("SELECT count(*) AS count FROM webhook_deliveries WHERE enqueued_at IS NULL");
  return Number(rows[0].count);
}

/** A delivery with the secret that signs it: the subscription's, or the organization's for job callbacks. */
export async function deliveryWithSecret(db: Knex, organizationId: string, id: string): Promise<(WebhookDeliveryRow & { secret: string }) | undefined> {
  const { rows } = await db.raw<{ rows: (WebhookDeliveryRow & { secret: string })[] }>(
    `SELECT d.*, COALESCE(s.secret, o.webhook_secret) AS secret
     FROM webhook_deliveries d
     JOIN organizations o ON o.id = d.organization_id
     LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id
     WHERE d.id = ? AND d.organization_id = ?`,
    [id, organizationId],
  );
  return rows[0];
}

export async function recordDeliveryAttempt(
  db: Knex,
  organizationId: string,
  id: string,
  outcome: { status: DeliveryStatus; statusCode: number | null; error: string | null },
): Promise<void> {
  await db("webhook_deliveries")
    .where({ id, organization_id: organizationId })
    .update({
      status: outcome.status,
      attempts: db.raw("attempts + 1"),
      last_status_code: outcome.statusCode,
      last_error: outcome.error,
      updated_at: db.fn.now(),
    });
}

export interface DeliveryFilter {
  jobId?: string;
  subscriptionId?: string;
  status?: DeliveryStatus;
}

export async function listDeliveries(db: Knex, organizationId: string, filter: DeliveryFilter, limit: number): Promise<WebhookDeliveryRow[]> {
  const query = db<WebhookDeliveryRow>("webhook_deliveries").where("organization_id", organizationId);
  if (filter.jobId) query.where("job_id", filter.jobId);
  if (filter.subscriptionId) query.where("subscription_id", filter.subscriptionId);
  if (filter.status) query.where("status", filter.status);
  return query.orderBy("created_at", "desc").limit(limit);
}

export async function findDelivery(db: Knex, organizationId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
  return db<WebhookDeliveryRow>("webhook_deliveries").where({ id, organization_id: organizationId }).first();
}

export async function organizationWebhookSecret(db: Knex, organizationId: string): Promise<string | undefined> {
  const row = await db("organizations").where({ id: organizationId }).first<{ webhook_secret: string } | undefined>("webhook_secret");
  return row?.webhook_secret;
}
