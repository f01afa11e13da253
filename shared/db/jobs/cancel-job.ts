import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { withEventsAndNotify } from "./record-events";

const CANCEL_JOB = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_expires_at = NULL,
                     error = jsonb_build_object('type', 'Cancelled', 'message', 'cancelled by request')
     WHERE id = ? AND organization_id = ? AND status IN ('scheduled', 'queued', 'retrying', 'running')
     RETURNING *
   ),
   changed AS (
     SELECT id, organization_id, 'cancelled' AS type, jsonb_build_object('attempt', attempts) AS data
     FROM updated
   )`,
  "SELECT * FROM updated",
);

/**
 * Cancels a job that has not finished. A queued job's message is dropped when it arrives; a running
 * job's worker aborts it when told (or at its next lease renewal). Undefined when nothing changed.
 */
export async function cancelJob(db: Knex, organizationId: string, id: string): Promise<JobRow | undefined> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(CANCEL_JOB, [id, organizationId]);
  return rows[0];
}
