import { applyPatch, scheduleRequestSchema } from "../../shared/domains/schedules/schedule-request";

const cronSchedule = { name: "digest", task: "demo.echo", payload: { text: "x" }, cron: "0 9 * * *", timezone: "Europe/Berlin", maxRuns: 5 };
const issues = (input: unknown) => {
  const parsed = scheduleRequestSchema.safeParse(input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
};

describe("schedule requests", () => {
  it("accepts each kind of timing and fills in the defaults", () => {
    expect(scheduleRequestSchema.parse(cronSchedule)).toMatchObject({ priority: 0, options: {}, enabled: true, missedRunPolicy: "fire_once" });
    expect(issues({ ...cronSchedule, cron: undefined, intervalMs: 60_000 })).toEqual([]);
    expect(issues({ ...cronSchedule, cron: undefined, runAt: "2030-01-01T00:00:00Z" })).toEqual([]);
    expect(issues({ ...cronSchedule, cron: "*/10 * * * * *" })).toEqual([]);
    expect(issues({ ...cronSchedule, cron: "@daily" })).toEqual([]);
  });

  it("names what is wrong with the timing", () => {
    expect(issues({ ...cronSchedule, cron: "61 * * * *" })).toEqual([expect.stringMatching(/^cron: invalid cron expression/)]);
    expect(issues({ ...cronSchedule, cron: "0 0 30 2 *" })).toEqual(['cron: "0 0 30 2 *" never fires']);
    expect(issues({ ...cronSchedule, cron: "* * * * * * *" })).toEqual([expect.stringMatching(/^cron: invalid cron expression/)]);
    expect(issues({ ...cronSchedule, timezone: "Europe/Atlantis" })).toEqual([expect.stringMatching(/^timezone: unknown timezone "Europe\/Atlantis"/)]);
    expect(issues({ ...cronSchedule, intervalMs: 1_000 })).toEqual([": give exactly one of cron, intervalMs or runAt"]);
    expect(issues({ ...cronSchedule, options: { maxAttempts: 0 } })).toEqual([expect.stringMatching(/^options.maxAttempts: /)]);
  });

  it("applies an edit: a new kind of timing replaces the old one, null clears a field", () => {
    const edited = applyPatch(cronSchedule, { intervalMs: 2_000, maxRuns: null, payload: { text: "y" } });
    expect(edited).toEqual({ name: "digest", task: "demo.echo", payload: { text: "y" }, timezone: "Europe/Berlin", intervalMs: 2_000 });
    expect(issues(edited)).toEqual([]);
    expect(applyPatch(cronSchedule, { enabled: false })).toEqual({ ...cronSchedule, enabled: false });
  });
});
