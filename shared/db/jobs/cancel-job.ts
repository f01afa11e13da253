import type { Knex } from "knex";
import type { JobRow } from "./job-record";
import { withEventsAndNotify } from "./record-events";

/** Cancels the rows `where` picks, with a `cancelled` event each; the reason goes into the job's error. */
const cancelStatement = (where: string, select: string) =>
  withEventsAndNotify(
    `updated AS (
       UPDATE jobs SET status = 'cancelled', finished_at = now(), updated_at = now(), lease_expires_at = NULL,
                       error = jsonb_build_object('type', 'Cancelled', 'message', ?::text)
       WHERE ${where}
       RETURNING *
     ),
     changed AS (
       SELECT id, organization_id, 'cancelled' AS type, jsonb_build_object('attempt', attempts) AS data
       FROM updated
     )`,
    select,
  );

const CANCEL_JOB = cancelStatement(`id = ? AND organization_id = ? AND status IN ('scheduled', 'queued', 'retrying', 'running')`, "SELECT * FROM updated");

/** The jobs a debounced enqueue replaces: same organization and key, not started yet. */
const REPLACE_DEBOUNCED = cancelStatement(
  `organization_id = ? AND debounce_key = ? AND status IN ('scheduled', 'queued') AND attempts = 0 AND finished_at IS NULL`,
  "SELECT id FROM updated",
);

/** Waiting only: a purge lets running jobs finish. */
const PURGE_QUEUE = cancelStatement(`organization_id = ? AND queue = ? AND status IN ('scheduled', 'queued', 'retrying')`, "SELECT count(*)::int AS cancelled FROM updated");

/**
 * Cancels a job that has not finished. A queued job's message is dropped when it arrives; a running
 * job's worker aborts it when told (or at its next lease renewal). Undefined when nothing changed.
 */
export async function cancelJob(db: Knex, organizationId: string, id: string): Promise<JobRow | undefined> {
  const { rows } = await db.raw<{ rows: JobRow[] }>(CANCEL_JOB, ["cancelled by request", id, organizationId]);
  return rows[0];
}

/**
 * Cancels the jobs that `replacement` (a debounced job about to be inserted in the same transaction)
 * replaces; each ends `cancelled` with a reason that names it. Returns their ids.
 */
export async function replaceDebounced(db: Knex, organizationId: string, debounceKey: string, replacement: string): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(REPLACE_DEBOUNCED, [`replaced by job ${replacement} (debounce)`, organizationId, debounceKey]);
  return rows.map((row) => row.id);
}

/**
 * Cancels every waiting job of one organization on one queue (Celery's purge, for one tenant): their
 * messages are dropped when they arrive, as a cancelled job's are. Returns how many were cancelled.
 */
export async function purgeQueue(db: Knex, organizationId: string, queue: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { cancelled: number }[] }>(PURGE_QUEUE, ["purged from its queue", organizationId, queue]);
  return rows[0].cancelled;
}
