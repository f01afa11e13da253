import type { Knex } from "knex";
import type { JobProgress } from "./job-record";
import { withEventsAndNotify } from "./record-events";
import type { HeldAttempt } from "./renew-leases";

const UPDATE_PROGRESS = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET progress = ?::jsonb, updated_at = now()
     WHERE id = ? AND claims = ? AND status = 'running'
     RETURNING id, organization_id, progress, attempts
   ),
   changed AS (
     SELECT id, organization_id, 'progress' AS type,
            progress || jsonb_build_object('attempt', attempts) AS data
     FROM updated
   )`,
  "SELECT id FROM updated",
);

/** Records a running attempt's progress; false when its claim is no longer the job's. */
export async function updateProgress(db: Knex, held: HeldAttempt, progress: JobProgress): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(UPDATE_PROGRESS, [JSON.stringify(progress), held.jobId, held.claim]);
  return rows.length === 1;
}
