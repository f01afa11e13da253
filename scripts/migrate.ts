/** Applies pending database migrations and exits (services also migrate on start). */
import { createDb, migrateLatest } from "../shared/db/knex";

async function main(): Promise<void> {
  const db = createDb();
  try {
    await migrateLatest(db);
    const [, pending] = (await db.migrate.list()) as [unknown[], unknown[]];
    process.stdout.write(`database is up to date (${pending.length} pending)\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
