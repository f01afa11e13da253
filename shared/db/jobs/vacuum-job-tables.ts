import type { Knex } from "knex";

/**
 * VACUUM (not FULL: job writes go on meanwhile) of the tables job retention deletes from, so the
 * space of deleted rows is reused rather than the files growing: where autovacuum is off (it is on
 * the machine the soak ran on) or lags behind a high delete rate. A second jobs service vacuuming
 * at the same moment waits for the first, then finds little left to do.
 */
export async function vacuumJobTables(db: Knex): Promise<void> {
  await db.raw("VACUUM jobs, job_events, webhook_deliveries");
}
