import type { ScheduleRow } from "../db/schedules/schedule-record";
import type { EnqueueRequest } from "../jobs/enqueue-request";

/**
 * The idempotency key of the job a run enqueues. Whoever enqueues the run, and however often (a retry
 * after a crash, a second scheduler in a split brain), the jobs service returns the one job.
 */
export const scheduledJobKey = (scheduleId: string, fireTime: Date) => `schedule:${scheduleId}:${fireTime.toISOString()}`;

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
