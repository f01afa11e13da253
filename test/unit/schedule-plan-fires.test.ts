import { MISFIRE_GRACE_MS, planFires } from "../../shared/domains/schedules/plan-fires";
import type { MissedRunPolicy, ScheduleTiming } from "../../shared/db/schedules/schedule-timing";

const at = (iso: string) => new Date(iso);
const base = { startAt: null, expiresAt: null, maxRuns: null };
const everySecond = (missedRunPolicy: MissedRunPolicy = "fire_once", extra = {}): ScheduleTiming => ({
  ...base,
  ...extra,
  missedRunPolicy,
  kind: "interval",
  intervalMs: 1_000,
});
const hourlyCron = (missedRunPolicy: MissedRunPolicy): ScheduleTiming => ({
  ...base,
  missedRunPolicy,
  kind: "cron",
  cron: "0 * * * *",
  timezone: "UTC",
});
const fireTimes = (plan: ReturnType<typeof planFires>) => plan.fires.map((fire) => fire.fireTime.toISOString());

describe("planFires", () => {
  it("fires a run that is just due and moves to the next one", () => {
    const plan = planFires({ timing: everySecond(), nextRunAt: at("2026-01-01T00:00:10Z"), totalRunCount: 0 }, at("2026-01-01T00:00:10.004Z"));
    expect(fireTimes(plan)).toEqual(["2026-01-01T00:00:10.000Z"]);
    expect(plan.fires[0].coalescedRuns).toBe(0);
    expect(plan.nextRunAt).toEqual(at("2026-01-01T00:00:11Z"));
  });

  it("fires every run that is late by less than the grace period, each with its own fire time", () => {
    const plan = planFires({ timing: everySecond(), nextRunAt: at("2026-01-01T00:00:10Z"), totalRunCount: 0 }, at("2026-01-01T00:00:12.5Z"));
    expect(fireTimes(plan)).toEqual(["2026-01-01T00:00:10.000Z", "2026-01-01T00:00:11.000Z", "2026-01-01T00:00:12.000Z"]);
    expect(plan.nextRunAt).toEqual(at("2026-01-01T00:00:13Z"));
  });

  describe("after downtime", () => {
    const downtime = { timing: hourlyCron("fire_once"), nextRunAt: at("2026-01-01T01:00:00Z"), totalRunCount: 5 };
    const now = at("2026-01-01T06:20:00Z");

    it("fire_once fires one run for the whole missed window, standing for the others", () => {
      const plan = planFires(downtime, now);
      expect(fireTimes(plan)).toEqual(["2026-01-01T06:00:00.000Z"]);
      expect(plan.fires[0].coalescedRuns).toBe(5);
      expect(plan.skippedRuns).toBe(0);
      expect(plan.nextRunAt).toEqual(at("2026-01-01T07:00:00Z"));
    });

    it("skip fires nothing for the missed window and moves to the next fire time", () => {
      const plan = planFires({ ...downtime, timing: hourlyCron("skip") }, now);
      expect(plan.fires).toEqual([]);
      expect(plan.skippedRuns).toBe(6);
      expect(plan.nextRunAt).toEqual(at("2026-01-01T07:00:00Z"));
    });

    it("skip still fires the runs that are only a little late", () => {
      const plan = planFires({ timing: everySecond("skip"), nextRunAt: at("2026-01-01T00:00:00Z"), totalRunCount: 0 }, at("2026-01-01T00:00:10.5Z"));
      const cutoff = 10_500 - MISFIRE_GRACE_MS;
      expect(plan.skippedRuns).toBe(Math.ceil(cutoff / 1_000));
      expect(fireTimes(plan)).toEqual(["06", "07", "08", "09", "10"].map((second) => `2026-01-01T00:00:${second}.000Z`));
    });

    it("never storms: a year of missed every-second runs is one catch-up run plus the on-time ones", () => {
      const plan = planFires({ timing: everySecond(), nextRunAt: at("2025-01-01T00:00:00Z"), totalRunCount: 0 }, at("2026-01-01T00:00:00.2Z"));
      expect(plan.fires.length).toBeLessThanOrEqual(1 + MISFIRE_GRACE_MS / 1_000);
      expect(plan.fires[0].coalescedRuns + plan.fires.length).toBe(365 * 86_400 + 1);
      expect(plan.nextRunAt).toEqual(at("2026-01-01T00:00:01Z"));
    });

    it("bounds the work for a long-missed every-second cron, counting a lower bound", () => {
      const timing: ScheduleTiming = { ...base, missedRunPolicy: "fire_once", kind: "cron", cron: "* * * * * *", timezone: "UTC" };
      const plan = planFires({ timing, nextRunAt: at("2025-12-31T00:00:00Z"), totalRunCount: 0 }, at("2026-01-01T00:00:00.2Z"));
      expect(plan.fires[0].fireTime).toEqual(at("2025-12-31T23:59:55Z"));
      expect(plan.fires[0].coalescedRuns).toBeGreaterThanOrEqual(999);
      expect(plan.fires.length).toBeLessThanOrEqual(1 + MISFIRE_GRACE_MS / 1_000);
    });
  });

  it("stops at maxRuns and at expiry", () => {
    const capped = planFires({ timing: everySecond("fire_once", { maxRuns: 4 }), nextRunAt: at("2026-01-01T00:00:00Z"), totalRunCount: 2 }, at("2026-01-01T00:00:03Z"));
    expect(capped.fires).toHaveLength(2);
    expect(capped.nextRunAt).toBeNull();

    const expiring = planFires(
      { timing: everySecond("fire_once", { expiresAt: at("2026-01-01T00:00:02Z") }), nextRunAt: at("2026-01-01T00:00:00Z"), totalRunCount: 0 },
      at("2026-01-01T00:00:03Z"),
    );
    expect(fireTimes(expiring)).toEqual(["2026-01-01T00:00:00.000Z", "2026-01-01T00:00:01.000Z"]);
    expect(expiring.nextRunAt).toBeNull();
  });

  it("fires a one-off schedule once and finishes it; a long-missed one only under fire_once", () => {
    const once = (missedRunPolicy: MissedRunPolicy): ScheduleTiming => ({ ...base, missedRunPolicy, kind: "once", runAt: at("2026-01-01T00:00:00Z") });
    const onTime = planFires({ timing: once("skip"), nextRunAt: at("2026-01-01T00:00:00Z"), totalRunCount: 0 }, at("2026-01-01T00:00:00.3Z"));
    expect(fireTimes(onTime)).toEqual(["2026-01-01T00:00:00.000Z"]);
    expect(onTime.nextRunAt).toBeNull();

    const late = { nextRunAt: at("2026-01-01T00:00:00Z"), totalRunCount: 0 };
    expect(fireTimes(planFires({ ...late, timing: once("fire_once") }, at("2026-01-02T00:00:00Z")))).toEqual(["2026-01-01T00:00:00.000Z"]);
    expect(planFires({ ...late, timing: once("skip") }, at("2026-01-02T00:00:00Z")).fires).toEqual([]);
  });
});
