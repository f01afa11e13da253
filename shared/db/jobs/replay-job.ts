import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { withEventsAndNotify } from "./record-events";

const REPLAY_JOB = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET status = 'queued', attempts = 0, interruptions = 0, result = NULL, error = NULL, progress = NULL,
                     run_at = NULL, started_at = NULL, finished_at = NULL, dead_lettered_at = NULL,
                     published_at = NULL, updated_at = now()
     WHERE id = ? AND organization_id = ? AND status IN ('failed', 'cancelled')
     RETURNING *
   ),
   changed AS (
     SELECT id, organization_id, 'queued' AS type, jsonb_build_object('replay', true) AS data FROM updated
   )`,
  "SELECT * FROM updated",
);

/**
 * Puts a failed or cancelled job back in its queue with a fresh set of attempts. `claims` is kept:
 * an attempt of the old run that is still going cannot write to the new one.
 */
export async function replayJob(db: Knex, organizationId: string, id: string): Promise<JobRow | undefined> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(REPLAY_JOB, [id, organizationId]);
  return rows[0];
}
