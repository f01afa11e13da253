import { createHash, randomBytes } from "node:crypto";
import type { Knex } from "knex";

/** API keys are shown once at creation; only their SHA-256 is stored. */
export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function createOrganization(db: Knex, name: string): Promise<string> {
  const [row] = await db("organizations").insert({ name }).returning<{ id: string }[]>("id");
  return row.id;
}

export async function createApiKey(db: Knex, organizationId: string, name: string): Promise<string> {
  const key = `cvy_${randomBytes(24).toString("base64url")}`;
  await db("api_keys").insert({
    organization_id: organizationId,
    name,
    key_prefix: key.slice(0, 8),
    key_hash: hashApiKey(key),
  });
  return key;
}

/** The organization a live (unrevoked) key belongs to. */
export async function organizationForKey(db: Knex, key: string): Promise<string | undefined> {
  const row = await db("api_keys")
    .select<{ organization_id: string }>("organization_id")
    .where({ key_hash: hashApiKey(key) })
    .whereNull("revoked_at")
    .first();
  return row?.organization_id;
}
