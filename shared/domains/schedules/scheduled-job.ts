import type { ScheduleRow } from "../../db/schedules/schedule-record";
import type { EnqueueRequest } from "../../engine/enqueue/enqueue-request";

/**
 * The idempotency key of the job a run enqueues. Whoever enqueues the run, and however often (a retry
 * after a crash, a second scheduler in a split brain), the jobs service returns the one job.
 */
export const scheduledJobKey = (scheduleId: string, fireTime: Date) => `schedule:${scheduleId}:${fireTime.toISOString()}`;

/**
 * Whether `jobs.enqueue` refused the job for good (422: the task is gone or the payload no longer
 * fits its schema), as opposed to failing for now. Checked by status because an error from another
 * node arrives as a plain Error carrying the code.
 */
export const isRefusal = (error: unknown) => (error as { code?: unknown }).code === 422;

/** The `jobs.enqueue` params for one run of a schedule. */
export function scheduledJobRequest(schedule: ScheduleRow, fireTime: Date): EnqueueRequest {
  return {
    task: schedule.task,
    payload: schedule.payload,
    ...(schedule.queue ? { queue: schedule.queue } : {}),
    priority: schedule.priority,
    ...schedule.options,
    idempotencyKey: scheduledJobKey(schedule.id, fireTime),
  };
}
