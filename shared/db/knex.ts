import knexFactory, { Knex } from "knex";
import { config } from "../../config";
import { migrationSource } from "./migrations";

export type Db = Knex;

/** One knex pool per process; every repository takes it as an argument so tests can hand their own. */
export function createDb(url = config().DATABASE_URL, poolMax = config().DATABASE_POOL_MAX): Db {
  return knexFactory({
    client: "pg",
    // No JIT: the job path's statements are short, but their subplans (flow-control admission) make
    // the planner's estimate pass jit_above_cost, and compiling took 30 ms of a 35 ms claim.
    connection: { connectionString: url, options: "-c jit=off" },
    pool: { min: 0, max: poolMax },
    // A replica of the previous release must keep starting after a newer one migrated (rolling
    // deploys): migrations it does not know are not an error.
    migrations: { migrationSource, tableName: "conveyor_migrations", disableMigrationsListValidation: true },
  });
}

/** Advisory lock key held while migrating, so replicas that start together migrate one after another. */
const MIGRATION_LOCK_KEY = 0x0c0_17e7;

/**
 * Brings the schema up to date. knex's own lock fails a concurrent runner instead of waiting,
 * so the run is serialised with a Postgres advisory lock first.
 */
export async function migrateLatest(db: Db): Promise<void> {
  const connection = await db.client.acquireConnection();
  try {
    await db.raw("SELECT pg_advisory_lock(?)", [MIGRATION_LOCK_KEY]).connection(connection);
    await db.migrate.latest();
  } finally {
    await db.raw("SELECT pg_advisory_unlock(?)", [MIGRATION_LOCK_KEY]).connection(connection);
    await db.client.releaseConnection(connection);
  }
}
