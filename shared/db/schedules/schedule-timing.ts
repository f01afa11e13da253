/** When a schedule fires: the part of a schedule that the scheduler's arithmetic reads. */

export const SCHEDULE_KINDS = ["cron", "interval", "once"] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/**
 * What to do with fire times that passed while no scheduler could fire them (downtime, a long pause
 * of the leader): `fire_once` enqueues one job for the whole missed window, `skip` enqueues none.
 */
export const MISSED_RUN_POLICIES = ["fire_once", "skip"] as const;
export type MissedRunPolicy = (typeof MISSED_RUN_POLICIES)[number];

export type ScheduleTiming = {
  startAt: Date | null;
  /** Exclusive: a fire time at or after it never fires. */
  expiresAt: Date | null;
  maxRuns: number | null;
  missedRunPolicy: MissedRunPolicy;
} & (
  | { kind: "cron"; cron: string; timezone: string }
  | { kind: "interval"; intervalMs: number }
  | { kind: "once"; runAt: Date }
);
