import type { Knex } from "knex";
import type { JobError } from "./job-record";
import { pgArray } from "../pg-array";
import { withEventsAndNotify } from "./record-events";

/** How one attempt ended, as the worker reports it. */
export type AttemptOutcome =
  | { jobId: string; attempt: number; status: "succeeded"; result: unknown }
  | { jobId: string; attempt: number; status: "retrying"; error: JobError; runAt: Date }
  | { jobId: string; attempt: number; status: "failed"; error: JobError }
  | { jobId: string; attempt: number; status: "cancelled"; error: JobError };

const FINISH_JOBS = withEventsAndNotify(
  `input AS (
     SELECT * FROM unnest(?::uuid[], ?::int[], ?::text[], ?::jsonb[], ?::jsonb[], ?::timestamptz[])
       AS i(id, attempt, status, result, error, run_at)
   ),
   updated AS (
     UPDATE jobs j SET
       status = i.status,
       result = i.result,
       error = i.error,
       run_at = COALESCE(i.run_at, j.run_at),
       finished_at = CASE WHEN i.status = 'retrying' THEN NULL ELSE now() END,
       dead_lettered_at = CASE WHEN i.status = 'failed' THEN now() END,
       lease_expires_at = NULL,
       updated_at = now()
     FROM input i
     WHERE j.id = i.id AND j.status = 'running' AND j.attempts = i.attempt
     RETURNING j.id, j.organization_id, j.status, j.attempts, j.error, j.run_at
   ),
   changed AS (
     SELECT id, organization_id, status AS type,
            jsonb_strip_nulls(jsonb_build_object(
              'attempt', attempts,
              'error', error - 'stack',
              'runAt', CASE WHEN status = 'retrying' THEN run_at END)) AS data
     FROM updated
   )`,
  "SELECT id FROM updated",
);

/**
 * Commits a group of outcomes in one statement. Each is guarded by `running` and its attempt number, so
 * a worker that lost its lease (or a job cancelled meanwhile) cannot overwrite a newer state.
 * Returns the ids whose outcome was recorded.
 */
export async function finishJobs(db: Knex, outcomes: AttemptOutcome[]): Promise<Set<string>> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(FINISH_JOBS, [
    pgArray(outcomes.map((outcome) => outcome.jobId)),
    pgArray(outcomes.map((outcome) => outcome.attempt)),
    pgArray(outcomes.map((outcome) => outcome.status)),
    pgArray(outcomes.map((outcome) => (outcome.status === "succeeded" ? JSON.stringify(outcome.result ?? null) : null))),
    pgArray(outcomes.map((outcome) => (outcome.status === "succeeded" ? null : JSON.stringify(outcome.error)))),
    pgArray(outcomes.map((outcome) => (outcome.status === "retrying" ? outcome.runAt : null))),
  ]);
  return new Set(rows.map((row) => row.id));
}
