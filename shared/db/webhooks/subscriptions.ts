import type { Knex } from "knex";

export interface WebhookSubscriptionRow {
  id: string;
  organization_id: string;
  url: string;
  secret: string;
  event_types: string[];
  task: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface SubscriptionFields {
  url: string;
  eventTypes: string[];
  task: string | null;
  active: boolean;
}

export async function insertSubscription(
  db: Knex,
  organizationId: string,
  fields: SubscriptionFields,
  secret: string,
): Promise<WebhookSubscriptionRow> {
  const [row] = await db<WebhookSubscriptionRow>("webhook_subscriptions")
    .insert({ organization_id: organizationId, url: fields.url, event_types: fields.eventTypes, task: fields.task, active: fields.active, secret })
    .returning("*");
  return row;
}

export async function updateSubscription(
  db: Knex,
  organizationId: string,
  id: string,
  fields: Partial<SubscriptionFields>,
): Promise<WebhookSubscriptionRow | undefined> {
  const [row] = await db("webhook_subscriptions")
    .where({ id, organization_id: organizationId })
    .update({
      url: fields.url,
      event_types: fields.eventTypes,
      task: fields.task,
      active: fields.active,
      updated_at: db.fn.now(),
    })
    .returning<WebhookSubscriptionRow[]>("*");
  return row;
}

export async function deleteSubscription(db: Knex, organizationId: string, id: string): Promise<boolean> {
  return (await db("webhook_subscriptions").where({ id, organization_id: organizationId }).delete()) > 0;
}

export async function findSubscription(db: Knex, organizationId: string, id: string): Promise<WebhookSubscriptionRow | undefined> {
  return db<WebhookSubscriptionRow>("webhook_subscriptions").where({ id, organization_id: organizationId }).first();
}

/** How many subscriptions an organization has (for WEBHOOK_SUBSCRIPTIONS_MAX_PER_ORGANIZATION). */
export async function countSubscriptions(db: Knex, organizationId: string): Promise<number> {
  const row = await db("webhook_subscriptions").where({ organization_id: organizationId }).count<{ count: string }[]>("* as count").first();
  return Number(row?.count ?? 0);
}

export async function listSubscriptions(db: Knex, organizationId: string): Promise<WebhookSubscriptionRow[]> {
  return db<WebhookSubscriptionRow>("webhook_subscriptions").where({ organization_id: organizationId }).orderBy("created_at");
}

/** Active subscriptions of these organizations, for matching a batch of job updates. */
export async function activeSubscriptions(db: Knex, organizationIds: string[]): Promise<WebhookSubscriptionRow[]> {
  return db<WebhookSubscriptionRow>("webhook_subscriptions").whereIn("organization_id", organizationIds).where({ active: true });
}
