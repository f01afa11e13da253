import { randomUUID } from "node:crypto";
import { createOrganization } from "../../shared/db/api-keys";
import { createDb, Db, migrateLatest } from "../../shared/db/knex";

/**
 * This run's database (test/global-setup.ts), migrated, with an organization of the test file's own:
 * where a unit test runs domain tasks against real rows (runTask's `runtime`), with no broker.
 */
export async function openTaskDatabase(): Promise<{ db: Db; organizationId: string }> {
  const db = createDb();
  await migrateLatest(db);
  return { db, organizationId: await createOrganization(db, `task-test-${randomUUID()}`) };
}
