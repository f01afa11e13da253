/**
 * Revokes an API key, given by its id (printed by apikey:create) or by the key itself. Gateways stop
 * accepting it, and the stream tokens issued for it, within API_KEY_CACHE_MS (30 s by default).
 *
 *   npm run apikey:revoke -- <key id or key>
 */
import { config } from "../config";
import { revokeApiKey } from "../shared/db/api-keys";
import { createDb } from "../shared/db/knex";

async function main(): Promise<void> {
  const target = process.argv[2];
  if (!target) throw new Error("Give the key's id or the key: npm run apikey:revoke -- <key id or key>");
  const db = createDb();
  try {
    const revoked = await revokeApiKey(db, target);
    if (!revoked) throw new Error("No live API key matches (unknown, or already revoked)");
    process.stdout.write(`revoked key ${revoked}; gateways refuse it within ${config().API_KEY_CACHE_MS} ms\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
