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
 * Records deliveries, one per (event, target): replaying an event creates nothing twice. Rows that
 * already existed are returned too, so a caller that crashed before enqueueing their jobs can do it
 * again (the jobs' idempotency keys keep that from sending twice).
 */
export async function insertDeliveries(db: Knex, deliveries: NewDelivery[]): Promise<WebhookDeliveryRow[]> {
  const column = <T>(pick: (delivery: NewDelivery) => T) => pgArray(deliveries.map(pick));
  const { rows } = await db.raw<{ rows: WebhookDeliveryRow[] }>(
    `INSERT INTO webhook_deliveries (organization_id, subscription_id, target, job_id, event_id, event_type, url, body)
     SELECT * FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::uuid[], ?::bigint[], ?::text[], ?::text[], ?::jsonb[])
     ON CONFLICT (event_id, target) DO UPDATE SET event_id = EXCLUDED.event_id
     RETURNING *`,
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
  return rows;
}

/** A delivery with the secret that signs it: the subscription's, or the organization's for job callbacks. */
export async function deliveryWithSecret(db: Knex, id: string): Promise<(WebhookDeliveryRow & { secret: string }) | undefined> {
  const { rows } = await db.raw<{ rows: (WebhookDeliveryRow & { secret: string })[] }>(
    `SELECT d.*, COALESCE(s.secret, o.webhook_secret) AS secret
     FROM webhook_deliveries d
     JOIN organizations o ON o.id = d.organization_id
     LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id
     WHERE d.id = ?`,
    [id],
  );
  return rows[0];
}

export async function recordDeliveryAttempt(
  db: Knex,
  id: string,
  outcome: { status: DeliveryStatus; statusCode: number | null; error: string | null },
): Promise<void> {
  await db("webhook_deliveries")
    .where({ id })
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
