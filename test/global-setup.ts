import { Client } from "pg";

/**
 * Runs once before the suite: creates the test database afresh and gives this run its own queue
 * prefix, so leftovers from another run never reach this one's workers.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const database = process.env.TEST_DATABASE ?? "conveyor_test";
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // A fresh database every run: what an earlier run or another branch left behind cannot matter.
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  process.env.DATABASE_URL = url.toString();
  process.env.QUEUE_PREFIX = `conveyor_test_${Date.now().toString(36)}`;
}
