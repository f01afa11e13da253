import { previousCronTime } from "./cron";
import { followingFireTime, withinLimits } from "./fire-times";
import type { ScheduleTiming } from "../../db/schedules/schedule-timing";

/**
 * How late a fire time may be and still count as on time. Later than this it was missed (the
 * scheduler was down, or no leader was elected yet), and the schedule's missed-run policy applies.
 * Generous enough to cover a leader handover and a stalled event loop on a loaded machine.
 */
export const MISFIRE_GRACE_MS = 5_000;

/** Missed cron times counted one by one before the walk jumps to the last of them. */
const MAX_COUNTED_MISSED = 1_000;

export interface DueSchedule {
  timing: ScheduleTiming;
  /** The schedule's next fire time, at or before `now`. */
  nextRunAt: Date;
  totalRunCount: number;
}

export interface PlannedFire {
  fireTime: Date;
  /** Missed fire times before this one that it stands for (policy fire_once); 0 for an on-time run. */
  coalescedRuns: number;
}

export interface FirePlan {
  fires: PlannedFire[];
  /** Missed fire times dropped by policy `skip`. */
  skippedRuns: number;
  /** The first fire time after `now`, or null when the schedule is finished (once, expired, maxRuns). */
  nextRunAt: Date | null;
}

interface MissedWindow {
  count: number;
  latest: Date | null;
  /** The first fire time at or after the cutoff. */
  resumeAt: Date | null;
}

/** Counts the fire times from `from` up to (not including) `cutoff`, with bounded work however long the gap. */
function walkMissed(timing: ScheduleTiming, from: Date, cutoff: Date): MissedWindow {
  if (from >= cutoff) return { count: 0, latest: null, resumeAt: from };
  if (timing.kind === "interval") {
    const count = Math.ceil((cutoff.getTime() - from.getTime()) / timing.intervalMs);
    const latest = new Date(from.getTime() + (count - 1) * timing.intervalMs);
    return { count, latest, resumeAt: followingFireTime(timing, latest) };
  }
  let count = 0;
  let latest: Date | null = null;
  let time: Date | null = from;
  while (time && time < cutoff) {
    if (count === MAX_COUNTED_MISSED && timing.kind === "cron") {
      // Too many to count: jump to the last one. The count reported is then a lower bound.
      latest = previousCronTime(timing.cron, timing.timezone, cutoff) ?? latest;
      return { count, latest, resumeAt: latest && followingFireTime(timing, latest) };
    }
    count += 1;
    latest = time;
    time = followingFireTime(timing, time);
  }
  return { count, latest, resumeAt: time };
}

/**
 * What a due schedule fires at `now`. Fire times within the grace period each fire (a briefly late
 * scheduler loses nothing); older ones were missed: `fire_once` fires one run for all of them (the
 * latest, standing for the rest), `skip` fires none. So however long the downtime, a schedule fires at
 * most one catch-up run plus the few on-time ones — never a storm. Expiry and maxRuns cap it all.
 */
export function planFires(schedule: DueSchedule, now: Date, graceMs = MISFIRE_GRACE_MS): FirePlan {
  const { timing } = schedule;
  const expired = (time: Date) => timing.expiresAt !== null && time >= timing.expiresAt;
  const cutoff = new Date(now.getTime() - graceMs);
  const missed = walkMissed(timing, schedule.nextRunAt, timing.expiresAt && timing.expiresAt < cutoff ? timing.expiresAt : cutoff);

  const fires: PlannedFire[] = [];
  if (missed.latest && timing.missedRunPolicy === "fire_once") {
    fires.push({ fireTime: missed.latest, coalescedRuns: missed.count - 1 });
  }
  let time = missed.resumeAt;
  while (time && time <= now && !expired(time)) {
    fires.push({ fireTime: time, coalescedRuns: 0 });
    time = followingFireTime(timing, time);
  }

  const allowed = timing.maxRuns === null ? fires.length : Math.max(0, timing.maxRuns - schedule.totalRunCount);
  const fired = fires.slice(0, allowed);
  return {
    fires: fired,
    skippedRuns: timing.missedRunPolicy === "skip" ? missed.count : 0,
    nextRunAt: withinLimits(timing, time, schedule.totalRunCount + fired.length),
  };
}
