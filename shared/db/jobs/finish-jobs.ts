import type { Knex } from "knex";
import type { JobError, JobStatus } from "./job-record";
import { pgArray } from "../pg-array";
import { withEventsAndNotify } from "./record-events";
import { PreparedStatement } from "../prepared-statement";

interface OutcomeBase {
  jobId: string;
  attempt: number;
  /** The claim that ran the attempt: its fencing token. */
  claim: number;
}

/**
 * How one attempt ended, as the worker reports it. `interrupted`: cut short by a shutdown, not by
 * the task; the job goes back to its queue with the attempt given back.
 */
export type AttemptOutcome = OutcomeBase &
  (
    | { status: "succeeded"; result: unknown }
    | { status: "retrying"; error: JobError; runAt: Date }
    | { status: "failed"; error: JobError }
    | { status: "interrupted"; error: JobError }
  );

const FINISH_JOBS = new PreparedStatement(
  "conveyor_finish_jobs",
  withEventsAndNotify(
  `input AS (
     SELECT * FROM unnest(?::uuid[], ?::int[], ?::text[], ?::jsonb[], ?::jsonb[], ?::timestamptz[])
       AS i(id, claim, status, result, error, run_at)
   ),
   decided AS (
     SELECT i.*, CASE WHEN i.status <> 'interrupted' THEN i.status
                      WHEN j.interruptions < ? THEN 'queued'
                      ELSE 'failed' END AS next_status
     FROM input i JOIN jobs j ON j.id = i.id
   ),
   updated AS (
     UPDATE jobs j SET
       status = d.next_status,
       result = d.result,
       error = CASE WHEN d.status = 'interrupted' AND d.next_status = 'failed'
                    THEN jsonb_build_object('type', 'InterruptionLimitExceeded', 'retryable', false,
                           'message', format('the job was interrupted %s times (worker shutdowns or lost workers); the limit is %s',
                                             j.interruptions + 1, ?::int))
                    ELSE d.error END,
       run_at = COALESCE(d.run_at, j.run_at),
       attempts = CASE WHEN d.next_status = 'queued' THEN j.attempts - 1 ELSE j.attempts END,
       interruptions = CASE WHEN d.status = 'interrupted' THEN j.interruptions + 1 ELSE j.interruptions END,
       finished_at = CASE WHEN d.next_status IN ('retrying', 'queued') THEN NULL ELSE now() END,
       dead_lettered_at = CASE WHEN d.next_status = 'failed' THEN now() END,
       lease_expires_at = NULL,
       updated_at = now()
     FROM decided d
     WHERE j.id = d.id AND j.status = 'running' AND j.claims = d.claim
     RETURNING j.id, j.organization_id, j.status, j.attempts, j.error, j.run_at
   ),
   -- the attempt is over: a keyed job gives its concurrency slot back
   freed AS (DELETE FROM concurrency_slots WHERE job_id IN (SELECT id FROM updated)),
   refused AS (
     SELECT d.id, j.organization_id, 'outcome_refused' AS type,
            jsonb_build_object('claim', d.claim, 'currentClaim', j.claims, 'outcome', d.status) AS data
     FROM decided d JOIN jobs j ON j.id = d.id
     WHERE NOT EXISTS (SELECT 1 FROM updated u WHERE u.id = d.id)
       -- the outcome of an attempt aborted by its job's cancel is expected to be dropped: nothing to say
       AND j.status <> 'cancelled'
   ),
   changed AS (
     SELECT id, organization_id, CASE WHEN status = 'queued' THEN 'interrupted' ELSE status END AS type,
            jsonb_strip_nulls(jsonb_build_object(
              'attempt', attempts,
              'error', error - 'stack',
              'runAt', CASE WHEN status = 'retrying' THEN run_at END)) AS data
     FROM updated
     UNION ALL
     SELECT * FROM refused
   )`,
  "SELECT id, status FROM updated",
  ),
);

/** What became of a recorded outcome: the job's new status. */
export type RecordedOutcomes = Map<string, JobStatus>;

/**
 * Commits a group of outcomes in one statement. Each is fenced by its claim: an attempt whose job was
 * cancelled, replayed or taken over meanwhile records nothing, and a `outcome_refused` event says so
 * in the job's history. Returns the new status of each job whose outcome was recorded.
 */
export async function finishJobs(db: Knex, outcomes: AttemptOutcome[], maxInterruptions: number): Promise<RecordedOutcomes> {
  const rows = await FINISH_JOBS.run<{ id: string; status: JobStatus }>(db, [
    pgArray(outcomes.map((outcome) => outcome.jobId)),
    pgArray(outcomes.map((outcome) => outcome.claim)),
    pgArray(outcomes.map((outcome) => outcome.status)),
    pgArray(outcomes.map((outcome) => (outcome.status === "succeeded" ? JSON.stringify(outcome.result ?? null) : null))),
    pgArray(outcomes.map((outcome) => (outcome.status === "succeeded" ? null : JSON.stringify(outcome.error)))),
    pgArray(outcomes.map((outcome) => (outcome.status === "retrying" ? outcome.runAt : null))),
    maxInterruptions,
    maxInterruptions,
  ]);
  return new Map(rows.map((row) => [row.id, row.status]));
}
