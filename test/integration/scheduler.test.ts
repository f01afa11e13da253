import type { PublicJob } from "../../shared/db/jobs/job-record";
import type { PublicSchedule, PublicScheduleRun } from "../../shared/db/schedules/schedule-record";
import { MISFIRE_GRACE_MS } from "../../shared/domains/schedules/plan-fires";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

interface RunRow {
  fire_time: Date;
  created_at: Date;
  trigger: string;
  coalesced_runs: number;
  job_id: string | null;
  error: { type: string; message: string } | null;
}

describe("scheduler: schedules fire on time, follow edits without a restart, and refuse bad input", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "scheduler", "schedules"] });
    await waitFor(() => stack.call<{ leader: boolean }>("scheduler.status"), (status) => status.leader, { timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await stack.db("schedules").where("organization_id", stack.organizationId).delete();
    await stack.stop();
  });

  const create = async (body: object): Promise<PublicSchedule> => {
    const response = await stack.http("POST", "/api/v1/schedules", body);
    expect(response.status).toBe(201);
    expect(response.headers.get("location")).toBe(`/api/v1/schedules/${response.body.id}`);
    return response.body;
  };
  const runsOf = (scheduleId: string): Promise<RunRow[]> => stack.db<RunRow>("schedule_runs").where("schedule_id", scheduleId).orderBy("fire_time");
  const waitForRuns = (scheduleId: string, count: number, timeoutMs = 20_000) =>
    waitFor(() => runsOf(scheduleId), (runs) => runs.length >= count && runs.every((run) => run.job_id !== null), { timeoutMs, intervalMs: 100 });
  const gaps = (runs: RunRow[]) => runs.slice(1).map((run, index) => run.fire_time.getTime() - runs[index].fire_time.getTime());

  it("fires an every-second interval schedule each second, each run a job that names its schedule", async () => {
    const schedule = await create({ name: "every-second", task: "demo.echo", payload: { text: "tick" }, intervalMs: 1_000 });
    expect(schedule).toMatchObject({ kind: "interval", intervalMs: 1_000, enabled: true, state: "active", totalRunCount: 0 });

    const runs = (await waitForRuns(schedule.id, 4)).slice(0, 4);
    expect(gaps(runs)).toEqual([1_000, 1_000, 1_000]);
    for (const run of runs) {
      expect(run).toMatchObject({ trigger: "schedule", coalesced_runs: 0 });
      // On time: recorded well within the grace period (a later run would count as missed).
      expect(run.created_at.getTime() - run.fire_time.getTime()).toBeLessThan(MISFIRE_GRACE_MS);
    }

    const job = await stack.job(runs[0].job_id as string);
    expect(job).toMatchObject({ task: "demo.echo", scheduleId: schedule.id, idempotencyKey: `schedule:${schedule.id}:${runs[0].fire_time.toISOString()}` });
    await waitFor(() => stack.job(job.id), (current) => current.status === "succeeded");

    const { body: current } = await stack.http("GET", `/api/v1/schedules/${schedule.id}`);
    expect(current.totalRunCount).toBeGreaterThanOrEqual(4);
    expect(new Date(current.lastRunAt).getTime()).toBeGreaterThanOrEqual(runs[3].fire_time.getTime());
    expect(new Date(current.nextRunAt).getTime()).toBeGreaterThan(new Date(current.lastRunAt).getTime());

    // Each fired run is timed from its fire time to its enqueue, for Prometheus.
    const metrics = await (await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${process.env.METRICS_TOKEN}` } })).text();
    const lagCount = metrics.match(/^conveyor_scheduler_lag_seconds_bucket\{[^}]*le="\+Inf"\} (\d+)/m)?.[1];
    expect(Number(lagCount)).toBeGreaterThanOrEqual(4);

    const { body: recent } = await stack.http("GET", `/api/v1/schedules/${schedule.id}/runs?limit=2`);
    expect(recent.items).toHaveLength(2);
    expect(recent.nextCursor).toEqual(expect.any(String));
    const [latest] = recent.items as PublicScheduleRun[];
    expect(latest).toMatchObject({ scheduleId: schedule.id, trigger: "schedule", jobId: expect.any(String) });
    expect(new Date(latest.fireTime).getTime()).toBeGreaterThan(new Date(recent.items[1].fireTime).getTime());
  });

  it("takes an edit to every 2 s without a restart, and stops while paused", async () => {
    const schedule = await create({ name: "edited", task: "demo.echo", payload: { text: "edit me" }, intervalMs: 1_000 });
    await waitForRuns(schedule.id, 2);

    const edited = await stack.http("PATCH", `/api/v1/schedules/${schedule.id}`, { intervalMs: 2_000 });
    expect(edited.status).toBe(200);
    expect(edited.body.intervalMs).toBe(2_000);
    const editedAt = Date.now();
    const afterEdit = async () => (await runsOf(schedule.id)).filter((run) => run.created_at.getTime() > editedAt + 100);
    const later = await waitFor(afterEdit, (runs) => runs.length >= 3, { timeoutMs: 20_000, intervalMs: 100 });
    expect(gaps(later.slice(0, 3))).toEqual([2_000, 2_000]);

    const paused = await stack.http("POST", `/api/v1/schedules/${schedule.id}/pause`);
    expect(paused.body).toMatchObject({ enabled: false, state: "paused", nextRunAt: null });
    const countAtPause = (await runsOf(schedule.id)).length;
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    expect(await runsOf(schedule.id)).toHaveLength(countAtPause);

    const resumed = await stack.http("POST", `/api/v1/schedules/${schedule.id}/resume`);
    expect(resumed.body).toMatchObject({ enabled: true, state: "active" });
    await waitForRuns(schedule.id, countAtPause + 1);
  });

  it("runs a schedule now on request, as a manual run with its own job", async () => {
    const schedule = await create({ name: "nightly", task: "demo.echo", payload: { text: "now" }, cron: "0 3 * * *", timezone: "Europe/Berlin" });
    const response = await stack.http("POST", `/api/v1/schedules/${schedule.id}/run`);
    expect(response.status).toBe(202);
    const { run, job } = response.body as { run: PublicScheduleRun; job: PublicJob };
    expect(response.headers.get("location")).toBe(`/api/v1/jobs/${job.id}`);
    expect(run).toMatchObject({ trigger: "manual", jobId: job.id });
    expect(job.scheduleId).toBe(schedule.id);
    const { body: after } = await stack.http("GET", `/api/v1/schedules/${schedule.id}`);
    expect(after).toMatchObject({ totalRunCount: 1, nextRunAt: schedule.nextRunAt });
  });

  describe("missed runs after downtime (time moved by rewriting next_run_at)", () => {
    const HOUR = 3_600_000;
    /** Pretends the scheduler was down for 3.5 intervals of an hourly schedule. */
    const missThreeAndAHalfHours = async (missedRunPolicy: string) => {
      const schedule = await create({ name: `hourly-${missedRunPolicy}`, task: "demo.echo", payload: { text: missedRunPolicy }, intervalMs: HOUR, missedRunPolicy });
      const [{ next_run_at: nextRunAt }] = await stack.db("schedules").where("id", schedule.id).update({ next_run_at: stack.db.raw("clock_timestamp() - interval '3.5 hours'") }, ["next_run_at"]);
      return { schedule, missedFrom: nextRunAt as Date };
    };
    const advanced = (id: string, from: Date) =>
      waitFor(() => stack.db("schedules").where("id", id).first(), (row) => row.next_run_at.getTime() > from.getTime() + 3 * HOUR, { timeoutMs: 10_000 });

    it("fire_once fires one run for the whole missed window", async () => {
      const { schedule, missedFrom } = await missThreeAndAHalfHours("fire_once");
      const row = await advanced(schedule.id, missedFrom);
      const runs = await waitForRuns(schedule.id, 1);
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ trigger: "schedule", coalesced_runs: 3 });
      expect(runs[0].fire_time).toEqual(new Date(missedFrom.getTime() + 3 * HOUR));
      expect(row.next_run_at).toEqual(new Date(missedFrom.getTime() + 4 * HOUR));
      expect(row.total_run_count).toBe(1);
    });

    it("skip fires nothing for the missed window and waits for the next fire time", async () => {
      const { schedule, missedFrom } = await missThreeAndAHalfHours("skip");
      const row = await advanced(schedule.id, missedFrom);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await runsOf(schedule.id)).toEqual([]);
      expect(row.next_run_at).toEqual(new Date(missedFrom.getTime() + 4 * HOUR));
      expect(row.total_run_count).toBe(0);
    });
  });

  it("fires a one-off schedule once and marks it finished", async () => {
    const schedule = await create({ name: "once", task: "demo.echo", payload: { text: "once" }, runAt: new Date(Date.now() + 1_500).toISOString() });
    expect(schedule).toMatchObject({ kind: "once", state: "active" });
    await waitForRuns(schedule.id, 1);
    const { body } = await waitFor(
      () => stack.http("GET", `/api/v1/schedules/${schedule.id}`),
      (response) => response.body.state === "finished",
    );
    expect(body).toMatchObject({ totalRunCount: 1, nextRunAt: null });
    expect(await runsOf(schedule.id)).toHaveLength(1);
  });

  it("records a run whose job the jobs service refuses, and does not retry it", async () => {
    // A task that left the catalog after the schedule was made: only SQL can still create such a row.
    const [{ id }] = await stack.db("schedules").insert(
      { organization_id: stack.organizationId, name: "orphan", task: "gone.task", kind: "interval", interval_ms: 1_000, next_run_at: stack.db.raw("clock_timestamp()") },
      ["id"],
    );
    const [run] = await waitFor(() => runsOf(id), (runs) => runs.length > 0 && runs[0].error !== null);
    expect((await stack.http("POST", `/api/v1/schedules/${id}/pause`)).status).toBe(200);
    expect(run.job_id).toBeNull();
    expect(run.error).toMatchObject({ message: expect.stringMatching(/Unknown task "gone.task"/) });
    expect(await stack.db("jobs").where("schedule_id", id)).toEqual([]);
    await stack.db("schedules").where("id", id).delete();
  });

  describe("bad input", () => {
    const valid = { name: "valid", task: "demo.echo", payload: { text: "x" }, cron: "*/5 * * * *" };
    const refused = async (body: object, code: string, mention: RegExp) => {
      const response = await stack.http("POST", "/api/v1/schedules", body);
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe(code);
      const { message, details } = response.body.error as { message: string; details?: unknown };
      const issues = Array.isArray(details) ? details.map((issue: { path: string; message: string }) => `${issue.path}: ${issue.message}`) : [];
      expect([message, ...issues].join("\n")).toMatch(mention);
    };

    it("refuses a bad cron expression, an unknown timezone, an unknown task and a payload that fails the task's schema", async () => {
      await refused({ ...valid, cron: "61 * * * *" }, "VALIDATION_FAILED", /^cron: invalid cron expression.*minute/m);
      await refused({ ...valid, cron: "every day" }, "VALIDATION_FAILED", /invalid cron expression/);
      await refused({ ...valid, cron: "0 0 30 2 *" }, "VALIDATION_FAILED", /never fires/);
      await refused({ ...valid, timezone: "Mars/Olympus" }, "VALIDATION_FAILED", /unknown timezone "Mars\/Olympus"/);
      await refused({ ...valid, task: "nope.missing" }, "UNKNOWN_TASK", /Unknown task "nope.missing"/);
      await refused({ ...valid, payload: { text: 42 } }, "VALIDATION_FAILED", /^text: /m);
    });

    it("refuses ambiguous or out-of-range timing and unknown fields", async () => {
      await refused({ ...valid, intervalMs: 5_000 }, "VALIDATION_FAILED", /exactly one of cron, intervalMs or runAt/);
      await refused({ name: "x", task: "demo.echo", payload: { text: "x" } }, "VALIDATION_FAILED", /exactly one of cron, intervalMs or runAt/);
      await refused({ ...valid, cron: undefined, intervalMs: 10 }, "VALIDATION_FAILED", /at least 1000/);
      await refused({ ...valid, startAt: "2026-02-01T00:00:00Z", expiresAt: "2026-01-01T00:00:00Z" }, "VALIDATION_FAILED", /after startAt/);
      await refused({ ...valid, missedRunPolicy: "storm" }, "VALIDATION_FAILED", /^missedRunPolicy: /m);
      await refused({ ...valid, colour: "red" }, "VALIDATION_FAILED", /colour/);
    });

    it("refuses a bad edit and leaves the schedule as it was; 404 for unknown ids, 409 for a taken name", async () => {
      const schedule = await create({ ...valid, name: "edit-target" });
      const badEdit = await stack.http("PATCH", `/api/v1/schedules/${schedule.id}`, { cron: "* * *" });
      expect(badEdit.status).toBe(422);
      const badPayload = await stack.http("PATCH", `/api/v1/schedules/${schedule.id}`, { payload: { text: 1 } });
      expect(badPayload.status).toBe(422);
      const { body: unchanged } = await stack.http("GET", `/api/v1/schedules/${schedule.id}`);
      expect(unchanged).toMatchObject({ cron: valid.cron, payload: valid.payload, nextRunAt: schedule.nextRunAt });

      expect((await stack.http("POST", "/api/v1/schedules", { ...valid, name: "edit-target" })).status).toBe(409);
      const missing = "00000000-0000-4000-8000-000000000000";
      expect((await stack.http("GET", `/api/v1/schedules/${missing}`)).status).toBe(404);
      expect((await stack.http("PATCH", `/api/v1/schedules/${missing}`, { intervalMs: 2_000 })).status).toBe(404);
      expect((await stack.http("DELETE", `/api/v1/schedules/${missing}`)).status).toBe(404);
      expect((await stack.http("GET", "/api/v1/schedules/not-a-uuid")).status).toBe(422);

      expect((await stack.http("DELETE", `/api/v1/schedules/${schedule.id}`)).body).toEqual({ id: schedule.id, deleted: true });
      expect((await stack.http("GET", `/api/v1/schedules/${schedule.id}`)).status).toBe(404);
    });
  });

  it("documents the schedules API in the OpenAPI document", async () => {
    const { body } = await stack.http("GET", "/api/v1/openapi.json");
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(["/schedules", "/schedules/{id}", "/schedules/{id}/run", "/schedules/{id}/runs"]));
  });

  it("lists the organization's schedules by name, a page at a time", async () => {
    const first = await stack.http("GET", "/api/v1/schedules?limit=2");
    expect(first.status).toBe(200);
    const second = await stack.http("GET", `/api/v1/schedules?limit=100&cursor=${first.body.nextCursor}`);
    const names = [...first.body.items, ...second.body.items].map((schedule: PublicSchedule) => schedule.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["every-second", "edited", "nightly", "once"]));
    const paused = await stack.http("GET", "/api/v1/schedules?enabled=false");
    expect(paused.body.items.every((schedule: PublicSchedule) => !schedule.enabled)).toBe(true);
  });
});
