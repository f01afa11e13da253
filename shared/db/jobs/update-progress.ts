import type { Knex } from "knex";
import type { JobProgress } from "./job-record";
import { withEventsAndNotify } from "./record-events";

const UPDATE_PROGRESS = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET progress = ?::jsonb, updated_at = now()
     WHERE id = ? AND attempts = ? AND status = 'running'
     RETURNING id, organization_id, progress, attempts
   ),
   changed AS (
     SELECT id, organization_id, 'progress' AS type,
            progress || jsonb_build_object('attempt', attempts) AS data
     FROM updated
   )`,
  "SELECT id FROM updated",
);

/** Records a running attempt's progress; false when the attempt is no longer the running one. */
export async function updateProgress(
  db: Knex,
  jobId: string,
  attempt: number,
  progress: JobProgress,
): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(UPDATE_PROGRESS, [
    JSON.stringify(progress),
    jobId,
    attempt,
  ]);
  return rows.length === 1;
}
