import { createRunDatabase } from "./support/test-database";

/**
 * Runs once before the suite: gives this run its own database and queue prefix, so neither leftovers
 * of another run nor a run going on beside it can reach this one's jobs.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${process.pid}`;
  process.env.DATABASE_URL = await createRunDatabase(runId);
  process.env.QUEUE_PREFIX = `conveyor_test_${runId}`;
}
