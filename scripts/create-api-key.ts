/**
 * Creates an organization (or uses an existing one) and an API key for it, and prints the key once.
 *
 *   npm run apikey:create -- --org "Acme"              new organization "Acme"
 *   npm run apikey:create -- --org-id <uuid> --name ci  another key for an existing organization
 */
import { parseArgs } from "node:util";
import { createApiKeyWithId, createOrganization } from "../shared/db/api-keys";
import { createDb, migrateLatest } from "../shared/db/knex";

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { org: { type: "string" }, "org-id": { type: "string" }, name: { type: "string", default: "default" } },
  });
  if (!values.org && !values["org-id"]) throw new Error('Give --org "<new organization name>" or --org-id <uuid>');
  const db = createDb();
  try {
    await migrateLatest(db);
    const organizationId = values["org-id"] ?? (await createOrganization(db, values.org as string));
    const { id, key } = await createApiKeyWithId(db, organizationId, values.name as string);
    process.stdout.write(`organization: ${organizationId}\nkey id:       ${id}\napi key:      ${key}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
