/**
 * `npm run bench`: no-op demo.echo jobs through the real pipeline (Postgres rows, RabbitMQ quorum
 * queues, a worker in its own process), enqueued two ways: the jobs service's bulk action, and the
 * gateway's REST endpoint one job per request. See BENCHMARKS.md for what is measured and how.
 */
import { topologyExchangeNames, topologyQueueNames } from "../shared/engine/queue/topology";
import { appendFileSync, existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadConfig } from "../config";
import type { Db } from "../shared/db/knex";
import { taskCatalog } from "../services/task-catalog";
import { ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { readOptions } from "./options";
import { Producer, startProducer } from "./producer";
import { deleteExchanges, deleteQueues, rabbitmqVersion, transporterNames } from "./rabbitmq";
import { describeCeiling, measureCeiling } from "./reference-ceiling";
import { formatTable, headingLines, markdownSection } from "./report";
import { runSoak, soakSection } from "./soak";
import { ModeResult, runMode, workerNodeId } from "./run-mode";
import type { WorkerProcess } from "./worker-process";

const ROOT = path.resolve(__dirname, "..");
const CLEANUP_TIMEOUT_MS = 60_000;

const REPORT_HEADER = `# Benchmarks

Figures appended by \`npm run bench\` (bench/pipeline.bench.ts); newest last.
`;

/** The command line that reproduces this run: npm run bench with any BENCH_* settings in force. */
function commandLine(): string {
  const settings = Object.entries(process.env)
    .filter(([name]) => name.startsWith("BENCH_") || ["WORKER_PREFETCH", "OUTCOME_FLUSH_MS", "DATABASE_POOL_MAX", "QUEUE_TYPE"].includes(name))
    .map(([name, value]) => `${name}=${value}`)
    .sort();
  return [...settings, "npm run bench"].join(" ");
}

async function main(): Promise<number> {
  const options = readOptions();
  const deadline = Date.now() + options.timeoutMs;
  const databaseUrl = await ensureDatabase(options.adminDatabaseUrl, options.database);
  const prefix = `conveyor_bench_${Date.now().toString(36)}`;
  // The producer reads its configuration from process.env (once, on first use): set it before it starts.
  Object.assign(process.env, {
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    AMQP_URL: options.amqpUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    METRICS_PORT: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    // The soak's short retention, for the producer's jobs service (it runs the retention chore).
    ...(options.soak ? { JOB_RETENTION_SUCCEEDED_MS: String(options.soak.retentionMs) } : {}),
  });
  const workerEnv = { SERVICES: "demo", LOG_LEVEL: "warn", DATABASE_URL: databaseUrl, QUEUE_PREFIX: prefix, AMQP_URL: options.amqpUrl, PORT: "0", METRICS_PORT: "0" };
  const settings = loadConfig(process.env);

  let db: Db | undefined;
  let producer: Producer | undefined;
  let worker: WorkerProcess | undefined;
  let abort!: (error: Error) => void;
  const aborted = new Promise<never>((_, reject) => {
    abort = reject;
  });
  const timer = setTimeout(() => abort(new Error(`benchmark timed out after ${options.timeoutMs} ms (BENCH_TIMEOUT_MS)`)), options.timeoutMs);
  const interrupt = () => abort(new Error("interrupted"));
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);

  const run = async () => {
    db = await openBenchDb(databaseUrl);
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(options.amqpUrl) });
    producer = await startProducer();
    if (options.soak) {
      console.log(`Conveyor soak: queue prefix ${prefix}, database ${options.database}, ${options.soak.jobs} jobs at ${options.soak.rate}/s`);
      const soak = await runSoak(
        { ...options.soak, historyJobs: options.historyJobs, amqpUrl: options.amqpUrl },
        { db, broker: producer.broker, workerEnv, onWorker: (current) => (worker = current) },
      );
      if (options.reportFile) {
        const heading = headingLines({ date: new Date(), command: commandLine(), machine, settings: `worker WORKER_PREFETCH=${settings.WORKER_PREFETCH}; producer (gateway, auth, jobs: the retention chore) in the benchmark's process, worker in a child process` });
        appendReport(options.reportFile, soakSection(soak, heading));
      }
      return soak.refused > 0 ? 1 : 0;
    }
    console.log(
      `Conveyor benchmark: queue prefix ${prefix}, database ${options.database}, modes ${options.modes.join(", ")}, ` +
        `worker node options ${options.workerNodeArgs.join(" ") || "(Node's defaults)"}`,
    );
    const results: ModeResult[] = [];
    for (const mode of options.modes) {
      console.log(`\n[${mode}] ${mode === "bulk" ? options.bulkJobs : options.httpJobs} jobs of demo.echo ...`);
      const result = await runMode(mode, {
        options,
        db,
        broker: producer.broker,
        baseUrl: producer.baseUrl,
        workerEnv,
        deadline,
        // Half the maximum this run measured over HTTP, as issue 14 asks, unless BENCH_LATENCY_RATE says.
        latencyRate: options.latencyRate ?? Math.round((results.find((done) => done.mode === "http")?.endToEndPerSecond ?? 0) / 2),
        onWorker: (current) => {
          worker = current;
        },
      });
      console.log(`[${mode}] ${Math.round(result.endToEndPerSecond)} jobs/s end to end`);
      results.push(result);
    }
    console.log(`\n${formatTable(results)}\n`);
    // Right after the modes, on the same machine state: the yardstick the bulk figure is read against.
    const ceiling = await measureCeiling(ROOT, Math.max(options.bulkJobs, 20_000), { ...process.env, AMQP_URL: options.amqpUrl });
    const bulk = results.find((result) => result.mode === "bulk");
    const ceilingLine = describeCeiling(ceiling, bulk);
    console.log(ceilingLine);
    const failed = results.some((result) => result.load.failed > 0 || result.timings.succeeded !== result.load.accepted);
    if (options.reportFile) {
      const queueType = settings.QUEUE_TYPE;
      const section = markdownSection({
        date: new Date(),
        command: commandLine(),
        machine,
        settings:
          `worker WORKER_PREFETCH=${settings.WORKER_PREFETCH}, OUTCOME_FLUSH_MS=${settings.OUTCOME_FLUSH_MS}, ` +
          `DATABASE_POOL_MAX=${settings.DATABASE_POOL_MAX} (each process), QUEUE_TYPE=${queueType}, LOG_LEVEL=warn, ` +
          `node ${options.workerNodeArgs.join(" ") || "defaults"}; ` +
          "producer (gateway, auth, jobs) in the benchmark's process, worker (SERVICES=demo) in a child process; " +
          `each run starts from a jobs table holding ${options.historyJobs} finished jobs of another organization`,
        results,
        ceiling: ceilingLine,
      });
      appendReport(options.reportFile, section);
    }
    return failed ? 1 : 0;
  };

  try {
    return await Promise.race([run(), aborted]);
  } finally {
    clearTimeout(timer);
    process.removeListener("SIGINT", interrupt);
    process.removeListener("SIGTERM", interrupt);
    await cleanup(async () => {
      if (worker && !worker.exited) await worker.stop();
      await producer?.stop();
      const jobQueues = [...new Set([...taskCatalog.values()].map((task) => task.queue))].flatMap((queue) => topologyQueueNames(prefix, queue));
      const transporter = transporterNames(prefix, [...options.modes.map(workerNodeId), ...(options.soak ? [workerNodeId("soak")] : [])]);
      const left = await deleteQueues(options.amqpUrl, [...jobQueues, ...transporter.queues]);
      if (left > 0) console.warn(`Deleted this run's queues; ${left} messages were still in them`);
      await deleteExchanges(options.amqpUrl, [...transporter.exchanges, ...topologyExchangeNames(prefix)]);
      await db?.destroy();
    });
  }
}

function appendReport(reportFile: string, section: string): void {
  const file = path.resolve(ROOT, reportFile);
  if (!existsSync(file)) writeFileSync(file, REPORT_HEADER);
  appendFileSync(file, `\n${section}`);
  console.log(`Appended to ${path.relative(ROOT, file)}`);
}

/** Runs the clean-up, but never for longer than CLEANUP_TIMEOUT_MS. */
async function cleanup(steps: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      console.error(`Clean-up did not finish within ${CLEANUP_TIMEOUT_MS} ms`);
      resolve();
    }, CLEANUP_TIMEOUT_MS);
  });
  await Promise.race([steps().catch((error: Error) => console.error(`Clean-up failed: ${error.stack}`)), timeout]);
  clearTimeout(timer);
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    process.exit(1);
  },
);
