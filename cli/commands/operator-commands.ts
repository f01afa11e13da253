import type { Command } from "commander";
import { config } from "../../config";
import { createApiKeyWithId, createOrganization, revokeApiKey } from "../../shared/db/api-keys";
import { createDb, Db, migrateLatest } from "../../shared/db/knex";
import { CliError, EXIT } from "../exit-codes";
import { OutputOptions, print } from "../output";

/** Operator commands talk to Postgres (DATABASE_URL) directly, not to the gateway. */
async function withDatabase<T>(work: (db: Db) => Promise<T>): Promise<T> {
  const db = createDb();
  try {
    return await work(db);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "57P03") {
      throw new CliError(`Cannot reach Postgres at DATABASE_URL (${code})`, EXIT.unavailable);
    }
    throw error;
  } finally {
    await db.destroy();
  }
}

export function registerOperatorCommands(program: Command, output: () => OutputOptions): void {
  program
    .command("migrate")
    .description("Apply pending database migrations (services also migrate when they start)")
    .action(() =>
      withDatabase(async (db) => {
        await migrateLatest(db);
        const [done] = (await db.migrate.list()) as [unknown[], unknown[]];
        print(output(), { applied: done.length, pending: 0 }, () => `database is up to date (${done.length} migrations applied)`);
      }),
    );

  const apikey = program.command("apikey").description("Create and revoke API keys (talks to Postgres)");
  apikey
    .command("create")
    .description("Create an API key, for a new organization (--org) or an existing one (--org-id); the key is printed once")
    .option("--org <name>", "create this organization")
    .option("--org-id <uuid>", "an existing organization")
    .option("--name <name>", "the key's name, to tell keys apart", "default")
    .action((options: { org?: string; orgId?: string; name: string }) => {
      if (!options.org === !options.orgId) throw new CliError('Give --org "<new organization name>" or --org-id <uuid>', EXIT.usage);
      return withDatabase(async (db) => {
        await migrateLatest(db);
        const organizationId = options.orgId ?? (await createOrganization(db, options.org as string));
        const { id, key } = await createApiKeyWithId(db, organizationId, options.name);
        print(output(), { organizationId, keyId: id, apiKey: key }, () => `organization: ${organizationId}\nkey id:       ${id}\napi key:      ${key}`);
      });
    });
  apikey
    .command("revoke")
    .description("Revoke an API key by its id or the key itself; gateways refuse it within API_KEY_CACHE_MS")
    .argument("<key-id-or-key>")
    .action((target: string) =>
      withDatabase(async (db) => {
        const revoked = await revokeApiKey(db, target);
        if (!revoked) throw new CliError("No live API key matches (unknown, or already revoked)", EXIT.notFound);
        print(output(), { revoked }, () => `revoked key ${revoked}; gateways refuse it within ${config().API_KEY_CACHE_MS} ms`);
      }),
    );
}
