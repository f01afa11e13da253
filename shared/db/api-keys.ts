import { createHash, randomBytes } from "node:crypto";
import type { Knex } from "knex";

/** API keys are shown once at creation; only their SHA-256 is stored. */
export const hashApiKey = (key: string) => createHash("sha256").update(key).digest("hex");

export async function createOrganization(db: Knex, name: string): Promise<string> {
  const [row] = await db("organizations").insert({ name }).returning<{ id: string }[]>("id");
  return row.id;
}

export async function createApiKey(db: Knex, organizationId: string, name: string): Promise<string> {
  return (await createApiKeyWithId(db, organizationId, name)).key;
}

/** A new key and its id (the id is what `npm run apikey:revoke` takes). */
export async function createApiKeyWithId(db: Knex, organizationId: string, name: string): Promise<{ id: string; key: string }> {
  const key = `cvy_${randomBytes(24).toString("base64url")}`;
  const [row] = await db("api_keys")
    .insert({
      organization_id: organizationId,
      name,
      key_prefix: key.slice(0, 8),
      key_hash: hashApiKey(key),
    })
    .returning<{ id: string }[]>("id");
  return { id: row.id, key };
}

export interface LiveKey {
  keyId: string;
  organizationId: string;
}

/** A key as the auth service answers it: live until `validUntil` (epoch ms) at least, by its check. */
export interface VerifiedKey extends LiveKey {
  validUntil: number;
}

/** The live (unrevoked) key with this secret, and its organization. */
export async function liveKeyForSecret(db: Knex, key: string): Promise<LiveKey | undefined> {
  const row = await db("api_keys")
    .select<{ id: string; organization_id: string }>("id", "organization_id")
    .where({ key_hash: hashApiKey(key) })
    .whereNull("revoked_at")
    .first();
  return row && { keyId: row.id, organizationId: row.organization_id };
}

/** The live key with this id (a stream token names its key by id). */
export async function liveKeyById(db: Knex, keyId: string): Promise<LiveKey | undefined> {
  const row = await db("api_keys")
    .select<{ id: string; organization_id: string }>("id", "organization_id")
    .where({ id: keyId })
    .whereNull("revoked_at")
    .first();
  return row && { keyId: row.id, organizationId: row.organization_id };
}

/** Revokes a key given by its id or its secret; answers the revoked key's id, or undefined if none was live. */
export async function revokeApiKey(db: Knex, idOrSecret: string): Promise<string | undefined> {
  const isId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(idOrSecret);
  const [row] = await db("api_keys")
    .where(isId ? { id: idOrSecret } : { key_hash: hashApiKey(idOrSecret) })
    .whereNull("revoked_at")
    .update({ revoked_at: db.fn.now() })
    .returning<{ id: string }[]>("id");
  return row?.id;
}
