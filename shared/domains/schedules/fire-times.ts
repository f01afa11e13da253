import { nextCronTime } from "./cron";
import type { ScheduleTiming } from "../../db/schedules/schedule-timing";

/** Where a schedule stands when its next fire time is computed afresh (created, edited, resumed). */
export interface ScheduleProgress {
  lastRunAt: Date | null;
  totalRunCount: number;
}

/** The fire time after `fireTime` in the schedule's own sequence, ignoring expiry and run limits. */
export function followingFireTime(timing: ScheduleTiming, fireTime: Date): Date | null {
  switch (timing.kind) {
    case "cron":
      return nextCronTime(timing.cron, timing.timezone, fireTime);
    case "interval":
      // From the previous fire time, not from when it was enqueued: no drift.
      return new Date(fireTime.getTime() + timing.intervalMs);
    case "once":
      return null;
  }
}

/** Null when the time is past the expiry or the schedule has used up its runs. */
export function withinLimits(timing: ScheduleTiming, fireTime: Date | null, runsSoFar: number): Date | null {
  if (fireTime === null) return null;
  if (timing.expiresAt && fireTime.getTime() >= timing.expiresAt.getTime()) return null;
  if (timing.maxRuns !== null && runsSoFar >= timing.maxRuns) return null;
  return fireTime;
}

/**
 * The next fire time of a schedule that was just created, edited or resumed, at `now`.
 * - cron: the first match at or after max(now, startAt).
 * - interval: startAt when it is still ahead; otherwise one interval after the last run if that is
 *   still ahead (an edit keeps the rhythm), else one interval from now. Runs that fell in a pause are
 *   not made up.
 * - once: runAt, unless a run already happened at or after it. A runAt in the past is due at once and
 *   the missed-run policy decides whether it fires.
 */
export function firstFireTime(timing: ScheduleTiming, now: Date, progress: ScheduleProgress): Date | null {
  const startAhead = timing.startAt && timing.startAt > now ? timing.startAt : null;
  let first: Date | null;
  switch (timing.kind) {
    case "cron":
      first = nextCronTime(timing.cron, timing.timezone, new Date((startAhead ?? now).getTime() - 1));
      break;
    case "interval": {
      const afterLast = progress.lastRunAt ? progress.lastRunAt.getTime() + timing.intervalMs : -Infinity;
      first = startAhead ?? new Date(afterLast > now.getTime() ? afterLast : now.getTime() + timing.intervalMs);
      break;
    }
    case "once":
      first = progress.lastRunAt && progress.lastRunAt >= timing.runAt ? null : timing.runAt;
      break;
  }
  return withinLimits(timing, first, progress.totalRunCount);
}
