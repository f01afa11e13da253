/**
 * Scheduler: how late runs are enqueued, and how many schedules one scheduler keeps on time.
 *
 * 1. Lateness: BENCH_SCHEDULER_SCHEDULES (default 100) every-second interval schedules, their phases
 *    spread over the second, fire until 1,000 runs have jobs; per run, the time from its fire time to
 *    the commit-time of its job row (jobs.created_at) and of the run row.
 * 2. Capacity: N cron schedules `*\/10 * * * * *`, all due on the same second (the worst case: every
 *    schedule on a round time), two bursts each, for N in BENCH_SCHEDULER_STEPS; a step is on time
 *    when the p99 of fire→job is under a second and no run was missed.
 *
 * One scheduler and the jobs service it enqueues through run in one child process
 * (`npm start` with SERVICES=scheduler,jobs); no worker runs, so the jobs only wait in RabbitMQ.
 * Both clocks are Postgres's.
 *
 *   npm run bench:scheduler
 */
import { topologyQueueNames } from "../shared/engine/queue/topology";
import type { Db } from "../shared/db/knex";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { percentiles } from "./percentiles";
import { cpuDelta, cpuSnapshot, CpuGroups, POSTGRES_CPU } from "./proc-stats";
import { deleteQueues, rabbitmqVersion } from "./rabbitmq";
import { WorkerProcess } from "./worker-process";
import { waitUntil } from "./wait-until";
import { reportSection } from "./report-section";

const LATENESS_RUNS = 1_000;
const LATENESS_SCHEDULES = Number(process.env.BENCH_SCHEDULER_SCHEDULES ?? 100);
const STEPS = (process.env.BENCH_SCHEDULER_STEPS ?? "500,1000,2000,4000,8000,16000").split(",").map(Number);
const BURST_PERIOD_S = 10;
const BURSTS = 2;
const ON_TIME_P99_MS = 1_000;
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const STEP_TIMEOUT_MS = 180_000;

interface RunTiming {
  job_ms: number;
  record_ms: number;
  coalesced_runs: number;
}

interface Lateness {
  runs: number;
  /** Fire time → job row committed. */
  job: ReturnType<typeof percentiles>;
  /** Fire time → run row recorded. */
  record: ReturnType<typeof percentiles>;
  coalesced: number;
}

async function dbNow(db: Db): Promise<Date> {
  const { rows } = await db.raw<{ rows: { now: Date }[] }>("SELECT clock_timestamp() AS now");
  return rows[0].now;
}

/** Every schedule, run and job goes: each step starts from empty tables. */
async function resetTables(db: Db): Promise<void> {
  await db.raw("TRUNCATE schedules, schedule_runs, jobs, job_events");
}

async function runsWithJobs(db: Db, organizationId: string, lastFireTime: Date): Promise<number> {
  const { rows } = await db.raw<{ rows: { count: string }[] }>(
    "SELECT count(*) FROM schedule_runs WHERE organization_id = ? AND job_id IS NOT NULL AND fire_time <= ?",
    [organizationId, lastFireTime],
  );
  return Number(rows[0].count);
}

async function lateness(db: Db, organizationId: string, lastFireTime: Date, limit: number): Promise<Lateness> {
  const { rows } = await db.raw<{ rows: RunTiming[] }>(
    `SELECT EXTRACT(EPOCH FROM j.created_at - r.fire_time)::float8 * 1000 AS job_ms,
            EXTRACT(EPOCH FROM r.created_at - r.fire_time)::float8 * 1000 AS record_ms,
            r.coalesced_runs
     FROM schedule_runs r JOIN jobs j ON j.id = r.job_id
     WHERE r.organization_id = ? AND r.fire_time <= ?
     ORDER BY r.fire_time LIMIT ?`,
    [organizationId, lastFireTime, limit],
  );
  return {
    runs: rows.length,
    job: percentiles(rows.map((row) => row.job_ms)),
    record: percentiles(rows.map((row) => row.record_ms)),
    coalesced: rows.reduce((sum, row) => sum + row.coalesced_runs, 0),
  };
}

/** The leader LISTENs for schedule changes; the node's LISTEN connection opens then (jobs LISTENs for nothing). */
async function waitForLeader(db: Db): Promise<void> {
  await waitUntil(async () => {
    const { rows } = await db.raw<{ rows: { count: string }[] }>(
      "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'conveyor-listener'",
    );
    return rows[0].count !== "0";
  }, "the scheduler to lead", 60_000, 200);
}

const stop = (db: Db, organizationId: string) =>
  db("schedules").where("organization_id", organizationId).update({ enabled: false, next_run_at: null });

/** Part 1: every-second schedules with spread phases until LATENESS_RUNS runs have jobs. */
async function measureLateness(db: Db): Promise<Lateness> {
  await resetTables(db);
  const { organizationId } = await createTenant(db, "scheduler-lateness");
  const start = new Date(Math.ceil((await dbNow(db)).getTime() / 1_000) * 1_000 + 2_000);
  await db.raw(
    `INSERT INTO schedules (organization_id, name, task, payload, kind, interval_ms, next_run_at)
     SELECT ?, 'lateness-' || n, 'demo.echo', jsonb_build_object('text', 'lateness ' || n), 'interval', 1000,
            ?::timestamptz + n * (1000.0 / ?) * interval '1 millisecond'
     FROM generate_series(0, ? - 1) AS n`,
    [organizationId, start, LATENESS_SCHEDULES, LATENESS_SCHEDULES],
  );
  const lastFireTime = new Date(start.getTime() + Math.ceil(LATENESS_RUNS / LATENESS_SCHEDULES) * 1_000);
  await waitUntil(async () => (await runsWithJobs(db, organizationId, lastFireTime)) >= LATENESS_RUNS, `${LATENESS_RUNS} runs`, STEP_TIMEOUT_MS, 200);
  await stop(db, organizationId);
  return lateness(db, organizationId, lastFireTime, LATENESS_RUNS);
}

interface Step {
  schedules: number;
  lateness: Lateness;
  expected: number;
  schedulerCpuS: number;
  postgresCpuS: number;
}

/** Part 2: `schedules` aligned cron schedules, BURSTS bursts. */
async function measureStep(db: Db, schedules: number, cpuGroups: CpuGroups): Promise<Step> {
  await resetTables(db);
  const { organizationId } = await createTenant(db, `scheduler-${schedules}`);
  const now = (await dbNow(db)).getTime();
  const first = new Date(Math.ceil((now + 3_000) / (BURST_PERIOD_S * 1_000)) * BURST_PERIOD_S * 1_000);
  await db.raw(
    `INSERT INTO schedules (organization_id, name, task, payload, kind, cron, timezone, next_run_at)
     SELECT ?, 'burst-' || n, 'demo.echo', jsonb_build_object('text', 'burst ' || n), 'cron', ?, 'UTC', ?
     FROM generate_series(1, ?) AS n`,
    [organizationId, `*/${BURST_PERIOD_S} * * * * *`, first, schedules],
  );
  const cpuBefore = cpuSnapshot(cpuGroups);
  const lastFireTime = new Date(first.getTime() + (BURSTS - 1) * BURST_PERIOD_S * 1_000);
  const expected = schedules * BURSTS;
  const settled = async () => {
    // Done when every run up to the last burst has its job, or (falling behind) nothing is left due before it.
    if ((await runsWithJobs(db, organizationId, lastFireTime)) >= expected) return true;
    const { rows } = await db.raw<{ rows: { due: string; pending: string }[] }>(
      `SELECT (SELECT count(*) FROM schedules WHERE organization_id = ? AND next_run_at <= ?) AS due,
              (SELECT count(*) FROM schedule_runs WHERE organization_id = ? AND job_id IS NULL) AS pending`,
      [organizationId, lastFireTime, organizationId],
    );
    return Date.now() > lastFireTime.getTime() + 1_000 && rows[0].due === "0" && rows[0].pending === "0";
  };
  await waitUntil(settled, `${schedules} schedules to fire ${BURSTS} times`, STEP_TIMEOUT_MS, 200);
  const cpu = cpuDelta(cpuBefore, cpuSnapshot(cpuGroups));
  await stop(db, organizationId);
  return {
    schedules,
    expected,
    lateness: await lateness(db, organizationId, lastFireTime, expected),
    schedulerCpuS: cpu.scheduler ?? 0,
    postgresCpuS: cpu.postgres ?? 0,
  };
}

const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US")) : "n/a");
const spread = (p: Lateness["job"]) => `${ms(p.p50)} / ${ms(p.p99)} (max ${ms(p.max)})`;
const onTime = (step: Step) => step.lateness.runs === step.expected && step.lateness.coalesced === 0 && step.lateness.job.p99 < ON_TIME_P99_MS;

async function main(): Promise<void> {
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const prefix = `conveyor_bench_scheduler_${Date.now().toString(36)}`;
  const node = new WorkerProcess({
    SERVICES: "scheduler,jobs",
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    PORT: "0",
    METRICS_PORT: "0",
    LOG_LEVEL: "warn",
    NODE_ID: `bench-scheduler-${process.pid}`,
  });
  try {
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(AMQP_URL) });
    await waitForLeader(db);
    const firstPass = await measureLateness(db);
    process.stdout.write(`lateness over ${firstPass.runs} runs: fire→job p50/p99 ${spread(firstPass.job)} ms\n`);

    const cpuGroups: CpuGroups = [
      ["scheduler", (proc) => proc.pid === node.pid],
      POSTGRES_CPU,
    ];
    const steps: Step[] = [];
    for (const schedules of STEPS) {
      const step = await measureStep(db, schedules, cpuGroups);
      steps.push(step);
      process.stdout.write(`${schedules} schedules: fire→job p50/p99 ${spread(step.lateness.job)} ms, ${step.lateness.runs}/${step.expected} runs\n`);
      if (!onTime(step)) break; // past the limit: larger steps only take longer
    }
    const largest = steps.filter(onTime).pop();

    reportSection("scheduler", "bench:scheduler", machine, [
      "- Setup: one scheduler and the jobs service in one child process (SERVICES=scheduler,jobs), no worker; schedules inserted with SQL; lateness measured on Postgres's clock from each run's fire time to its job row's `created_at` (fire→job) and its run row's `created_at` (fire→record)",
      `- Lateness, ${firstPass.runs} due runs of ${LATENESS_SCHEDULES} every-second interval schedules with phases spread over the second: fire→job p50 ${ms(firstPass.job.p50)} ms, p99 ${ms(firstPass.job.p99)} ms (max ${ms(firstPass.job.max)}); fire→record p50 ${ms(firstPass.record.p50)} ms, p99 ${ms(firstPass.record.p99)} ms; missed runs ${firstPass.coalesced}`,
      `- Capacity: N cron schedules \`*/${BURST_PERIOD_S} * * * * *\` all due on the same second, ${BURSTS} bursts each; on time = every run fired, none missed, fire→job p99 under ${ON_TIME_P99_MS} ms`,
      "",
      "| schedules due at once | runs fired / expected | fire→job ms p50 / p99 (max) | fire→record ms p50 / p99 | scheduler CPU s | postgres CPU s | on time |",
      "|---|---|---|---|---|---|---|",
      ...steps.map(
        (step) =>
          `| ${step.schedules.toLocaleString("en-US")} | ${step.lateness.runs.toLocaleString("en-US")} / ${step.expected.toLocaleString("en-US")} | ${spread(step.lateness.job)} | ${ms(step.lateness.record.p50)} / ${ms(step.lateness.record.p99)} | ${step.schedulerCpuS.toFixed(1)} | ${step.postgresCpuS.toFixed(1)} | ${onTime(step) ? "yes" : "no"} |`,
      ),
      "",
      `- Largest number of schedules due on the same second that one scheduler keeps on time: ${largest ? largest.schedules.toLocaleString("en-US") : "none of the steps"}`,
    ]);
  } finally {
    await node.stop();
    await deleteQueues(AMQP_URL, topologyQueueNames(prefix, "default")).catch(() => 0);
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
