import { firstFireTime, followingFireTime } from "../../shared/domains/schedules/fire-times";
import type { ScheduleTiming } from "../../shared/db/schedules/schedule-timing";

const at = (iso: string) => new Date(iso);
interface Limits {
  startAt: Date | null;
  expiresAt: Date | null;
  maxRuns: number | null;
  missedRunPolicy: "fire_once" | "skip";
}
const limits: Limits = { startAt: null, expiresAt: null, maxRuns: null, missedRunPolicy: "fire_once" };
const cron = (expression: string, timezone = "UTC", extra: Partial<Limits> = {}): ScheduleTiming => ({
  ...limits,
  ...extra,
  kind: "cron",
  cron: expression,
  timezone,
});
const interval = (intervalMs: number, extra: Partial<Limits> = {}): ScheduleTiming => ({ ...limits, ...extra, kind: "interval", intervalMs });
const fresh = { lastRunAt: null, totalRunCount: 0 };

/** n fire times after `from`, each from the previous one, as the scheduler steps them. */
function sequence(timing: ScheduleTiming, from: Date, n: number): string[] {
  const times: string[] = [];
  let time: Date | null = from;
  for (let i = 0; i < n && time; i++) {
    time = followingFireTime(timing, time);
    if (time) times.push(time.toISOString());
  }
  return times;
}

describe("cron fire times", () => {
  it("steps a 5-field expression in its timezone", () => {
    expect(sequence(cron("0 9 * * 1-5", "Europe/Berlin"), at("2026-01-02T12:00:00Z"), 3)).toEqual([
      "2026-01-05T08:00:00.000Z", // Monday 09:00 CET
      "2026-01-06T08:00:00.000Z",
      "2026-01-07T08:00:00.000Z",
    ]);
  });

  it("takes 6 fields with seconds first", () => {
    expect(sequence(cron("*/20 * * * * *"), at("2026-01-01T00:00:00Z"), 3)).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:00.000Z",
    ]);
  });

  describe("across daylight-saving changes (America/New_York, 2026-03-08 and 2026-11-01)", () => {
    it("runs a fixed-time job whose time is skipped once, at the first valid time after the gap", () => {
      // 02:30 does not exist on 8 March: clocks go from 01:59:59 EST to 03:00 EDT.
      expect(sequence(cron("30 2 * * *", "America/New_York"), at("2026-03-07T12:00:00Z"), 3)).toEqual([
        "2026-03-08T07:00:00.000Z", // 03:00 EDT
        "2026-03-09T06:30:00.000Z", // 02:30 EDT
        "2026-03-10T06:30:00.000Z",
      ]);
    });

    it("runs a fixed-time job whose time is repeated once, at its first occurrence", () => {
      // 01:30 happens twice on 1 November: first EDT (05:30Z), then EST (06:30Z).
      expect(sequence(cron("30 1 * * *", "America/New_York"), at("2026-10-31T12:00:00Z"), 2)).toEqual([
        "2026-11-01T05:30:00.000Z",
        "2026-11-02T06:30:00.000Z",
      ]);
    });

    it("lets a wildcard job follow the wall clock: nothing in the gap, both copies of the repeated hour", () => {
      expect(sequence(cron("*/30 * * * *", "America/New_York"), at("2026-03-08T06:15:00Z"), 3)).toEqual([
        "2026-03-08T06:30:00.000Z", // 01:30 EST
        "2026-03-08T07:00:00.000Z", // 03:00 EDT: 02:00 and 02:30 do not exist
        "2026-03-08T07:30:00.000Z",
      ]);
      expect(sequence(cron("0 * * * *", "America/New_York"), at("2026-11-01T04:30:00Z"), 3)).toEqual([
        "2026-11-01T05:00:00.000Z", // 01:00 EDT
        "2026-11-01T06:00:00.000Z", // 01:00 EST
        "2026-11-01T07:00:00.000Z", // 02:00 EST
      ]);
    });
  });
});

describe("firstFireTime", () => {
  const now = at("2026-05-01T10:00:00.500Z");

  it("gives a cron schedule its next match, or the first one at or after startAt", () => {
    expect(firstFireTime(cron("* * * * * *"), now, fresh)).toEqual(at("2026-05-01T10:00:01Z"));
    expect(firstFireTime(cron("0 12 * * *", "UTC", { startAt: at("2026-06-01T12:00:00Z") }), now, fresh)).toEqual(at("2026-06-01T12:00:00Z"));
  });

  it("starts an interval schedule one interval from now, or at startAt when that is ahead", () => {
    expect(firstFireTime(interval(60_000), now, fresh)).toEqual(at("2026-05-01T10:01:00.500Z"));
    expect(firstFireTime(interval(60_000, { startAt: at("2026-05-02T00:00:00Z") }), now, fresh)).toEqual(at("2026-05-02T00:00:00Z"));
  });

  it("keeps an edited interval's rhythm from the last run when that is still ahead", () => {
    const lastRunAt = at("2026-05-01T10:00:00Z");
    expect(firstFireTime(interval(2_000), now, { lastRunAt, totalRunCount: 3 })).toEqual(at("2026-05-01T10:00:02Z"));
    // Resumed long after the last run: the runs that fell in the pause are not made up.
    expect(firstFireTime(interval(2_000), at("2026-05-01T11:00:00Z"), { lastRunAt, totalRunCount: 3 })).toEqual(at("2026-05-01T11:00:02Z"));
  });

  it("fires a one-off schedule at runAt unless it already ran", () => {
    const once: ScheduleTiming = { ...limits, kind: "once", runAt: at("2026-05-01T09:00:00Z") };
    expect(firstFireTime(once, now, fresh)).toEqual(at("2026-05-01T09:00:00Z"));
    expect(firstFireTime(once, now, { lastRunAt: at("2026-05-01T09:00:00Z"), totalRunCount: 1 })).toBeNull();
  });

  it("has nothing to fire past expiry or after maxRuns", () => {
    expect(firstFireTime(cron("0 0 * * *", "UTC", { expiresAt: at("2026-05-01T23:00:00Z") }), now, fresh)).toBeNull();
    expect(firstFireTime(interval(1_000, { maxRuns: 3 }), now, { lastRunAt: null, totalRunCount: 3 })).toBeNull();
  });
});
