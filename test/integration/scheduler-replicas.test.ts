import type { ChildProcess } from "node:child_process";
import { recordRuns } from "../../shared/db/schedules/record-runs";
import type { PublicSchedule, ScheduleRow } from "../../shared/db/schedules/schedule-record";
import { scheduledJobRequest } from "../../shared/domains/schedules/scheduled-job";
import { ScheduleRunner } from "../../shared/domains/schedules/schedule-runner";
import { enqueueRequest } from "../../shared/engine/enqueue/enqueue";
import { runtimeFor } from "../../shared/engine/runtime";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode } from "../support/worker-process";

const transporter = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const REPLICAS = ["scheduler-a", "scheduler-b", "scheduler-c"];
const SCHEDULES = 4;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface RunRow {
  schedule_id: string;
  fire_time: Date;
  coalesced_runs: number;
  job_id: string | null;
}

/**
 * Three scheduler processes on the AMQP transporter; this process runs the API and the jobs service
 * they enqueue through. Each schedule's runs must cover its every-second grid exactly once, across a
 * SIGKILLed leader and a second, rogue firing loop.
 */
describe("scheduler replicas", () => {
  let stack: Stack;
  const children = new Map<string, ChildProcess>();
  let schedules: PublicSchedule[] = [];

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "schedules"], transporter, nodeID: "front" });
    for (const nodeID of REPLICAS) children.set(nodeID, spawnNode("scheduler", { NODE_ID: nodeID }));
    await waitFor(async () => (await leaders()).length, (count) => count === 1, { timeoutMs: 45_000, intervalMs: 250 });
  });
  afterAll(async () => {
    for (const child of children.values()) child.kill("SIGKILL");
    await Promise.all([...children.values()].map(exited));
    await stack.db("schedules").where("organization_id", stack.organizationId).delete();
    await stack.stop();
  });

  /** The replicas that say they lead; a replica that cannot answer (starting, killed) does not. */
  async function leaders(): Promise<string[]> {
    const answers = await Promise.all(
      [...children.keys()].map((nodeID) =>
        stack.broker
          .call<{ leader: boolean }, object>("scheduler.status", {}, { nodeID, timeout: 2_000 })
          .then((status) => (status.leader ? nodeID : null))
          .catch(() => null),
      ),
    );
    return answers.filter((nodeID): nodeID is string => nodeID !== null);
  }

  const runsOf = (ids: string[]) => stack.db<RunRow>("schedule_runs").whereIn("schedule_id", ids).orderBy("fire_time");

  /** Every fire time of the grid between a schedule's first and last run is fired once, or stands in a catch-up run. */
  async function expectEachRunExactlyOnce(ids: string[]): Promise<number> {
    // Let the last runs get their jobs.
    const runs = await waitFor(() => runsOf(ids), (rows) => rows.every((row) => row.job_id !== null), { timeoutMs: 15_000, intervalMs: 200 });
    for (const id of ids) {
      const mine = runs.filter((run) => run.schedule_id === id);
      const times = mine.map((run) => run.fire_time.getTime());
      expect(new Set(times).size).toBe(times.length);
      const gridPoints = (times[times.length - 1] - times[0]) / 1_000 + 1;
      expect(mine.reduce((sum, run) => sum + 1 + run.coalesced_runs, 0)).toBe(gridPoints);
    }
    const jobs = await stack.db("jobs").whereIn("schedule_id", ids).select<{ id: string; schedule_id: string; idempotency_key: string }[]>("id", "schedule_id", "idempotency_key");
    expect(jobs).toHaveLength(runs.length);
    expect(new Set(jobs.map((job) => job.idempotency_key)).size).toBe(jobs.length);
    expect(new Set(runs.map((run) => run.job_id))).toEqual(new Set(jobs.map((job) => job.id)));
    return runs.length;
  }

  it("fires each run exactly once with three replicas, and hands over when the leader is killed", async () => {
    for (let n = 0; n < SCHEDULES; n++) {
      const { status, body } = await stack.http("POST", "/api/v1/schedules", {
        name: `replicated-${n}`,
        task: "demo.echo",
        payload: { text: `replica ${n}` },
        intervalMs: 1_000,
      });
      expect(status).toBe(201);
      schedules.push(body);
    }
    const ids = schedules.map((schedule) => schedule.id);
    await sleep(10_000);

    const [leader] = await leaders();
    const victim = children.get(leader) as ChildProcess;
    victim.kill("SIGKILL");
    await exited(victim);
    children.delete(leader);
    const killedAt = Date.now();
    const [successor] = await waitFor(leaders, (found) => found.length === 1, { timeoutMs: 20_000, intervalMs: 250 });
    expect(successor).not.toBe(leader);
    const handoverMs = Date.now() - killedAt;

    // The new leader fires too: some runs after the handover.
    await waitFor(
      () => runsOf(ids),
      (rows) => rows.filter((row) => row.fire_time.getTime() > killedAt + handoverMs).length >= SCHEDULES * 3,
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    for (const id of ids) await stack.http("POST", `/api/v1/schedules/${id}/pause`);

    const fired = await expectEachRunExactlyOnce(ids);
    expect(fired).toBeGreaterThanOrEqual(SCHEDULES * 12);
  });

  it("enqueues nothing twice when a second firing loop runs beside the leader (split brain)", async () => {
    const ids = schedules.map((schedule) => schedule.id);
    await stack.db("schedule_runs").whereIn("schedule_id", ids).delete();
    await stack.db("jobs").whereIn("schedule_id", ids).delete();
    for (const id of ids) await stack.http("POST", `/api/v1/schedules/${id}/resume`);

    // A rogue loop with no leadership at all, racing the elected one on the same rows (each wins some).
    const rogue = new ScheduleRunner({
      db: stack.db,
      logger: stack.broker.getLogger("rogue-scheduler"),
      listener: (await runtimeFor(stack.broker)).listener,
      enqueue: async ({ schedule, fireTime }) => {
        const { job } = await enqueueRequest(stack.broker, schedule.organization_id, scheduledJobRequest(schedule, fireTime), { scheduleId: schedule.id });
        return job.id;
      },
    });
    await rogue.start();
    try {
      await sleep(8_000);
      for (const id of ids) await stack.http("POST", `/api/v1/schedules/${id}/pause`);
    } finally {
      await rogue.stop();
    }
    expect(await expectEachRunExactlyOnce(ids)).toBeGreaterThanOrEqual(SCHEDULES * 5);
  });

  it("records no run twice even for a scheduler acting on a stale view of a schedule", async () => {
    const [schedule] = schedules;
    await stack.http("POST", `/api/v1/schedules/${schedule.id}/resume`);
    // What a deposed leader might still hold: the row before the new leader fired it.
    const stale = await stack.db<ScheduleRow>("schedules").where("id", schedule.id).first() as ScheduleRow;
    const fireTime = stale.next_run_at as Date;
    const run = await waitFor(
      () => stack.db<RunRow>("schedule_runs").where({ schedule_id: schedule.id, fire_time: fireTime }).whereNotNull("job_id").first(),
      (found) => found !== undefined,
    );
    await stack.http("POST", `/api/v1/schedules/${schedule.id}/pause`);

    const recordedAgain = await recordRuns(stack.db, [{ scheduleId: schedule.id, organizationId: stack.organizationId, fireTime, coalescedRuns: 0 }]);
    expect(recordedAgain).toEqual([]);
    // And a job enqueued for that run anyway is the one it already has.
    const meta = { organizationId: stack.organizationId, scheduleId: schedule.id };
    const again = await stack.broker.call<{ job: { id: string }; created: boolean }, object>("jobs.enqueue", scheduledJobRequest(stale, fireTime), { meta });
    expect(again).toMatchObject({ created: false, job: { id: run?.job_id } });
  });
});
