import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export interface RunOutcome {
  runId: string;
  jobId: string | null;
  /** Why the job could not be enqueued and never will be (the task or its payload was refused). */
  error: { type: string; message: string } | null;
}

const ATTACH_JOBS = `
  UPDATE schedule_runs r
  SET job_id = o.job_id, error = o.error
  FROM unnest(?::bigint[], ?::uuid[], ?::jsonb[]) AS o(id, job_id, error)
  WHERE r.id = o.id`;

/** Records the job each run enqueued, or the error that refused it, in one statement. */
export async function attachJobs(db: Knex, outcomes: RunOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await db.raw(ATTACH_JOBS, [
    pgArray(outcomes.map((outcome) => outcome.runId)),
    pgArray(outcomes.map((outcome) => outcome.jobId)),
    pgArray(outcomes.map((outcome) => (outcome.error ? JSON.stringify(outcome.error) : null))),
  ]);
}
