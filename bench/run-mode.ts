import os from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import type { Db } from "../shared/db/knex";
import { workQueueName } from "../shared/engine/queue/topology";
import { runBulkLoad } from "./bulk-load";
import { createTenant, jobsTableScans, resetJobTables } from "./database";
import { HttpLoadProcess } from "./http-load-process";
import { JobTimings, jobTimings, statusCounts, waitForFinished } from "./job-timings";
import type { LoadResult } from "./load-result";
import type { BenchMode, BenchOptions } from "./options";
import { cpuDelta, cpuSnapshot, CpuGroups, machineCpu, POSTGRES_CPU, RABBITMQ_CPU } from "./proc-stats";
import { waitForConsumer } from "./rabbitmq";
import { WorkerMemory, WorkerProcess } from "./worker-process";

export const BENCH_TASK = "demo.echo";
/** The queue demo.* tasks route to. */
export const BENCH_QUEUE = "default";
/** Time for the worker's start-up work (JIT, pools) to settle before the clock starts. */
const SETTLE_MS = 1_000;
const STATS_FLUSH_MS = 1_500;

export interface ModeResult {
  mode: BenchMode;
  /** How the jobs were enqueued, in words. */
  description: string;
  jobs: number;
  load: LoadResult;
  timings: JobTimings;
  /** The run's jobs by final status. */
  statuses: Record<string, number>;
  /** Accepted jobs / (last answer − first send), producer's clock. */
  enqueuePerSecond: number;
  /** First send → last finished_at. */
  endToEndSeconds: number;
  endToEndPerSecond: number;
  worker: WorkerMemory & { warnings: number; stopMs: number; exit: string; logFile?: string };
  /** CPU seconds per process group from the first send until every job had finished ("other": the rest of the machine). */
  cpuSeconds: Record<string, number>;
  /** Machine-wide busy share over the same span (1 = every core busy). */
  machineBusy: number;
  measuredSeconds: number;
  /** Sequential scans of the jobs table during the run and the rows they read (approximate: backends report them about once a second). */
  jobsSeqScans: { scans: number; rowsRead: number };
}

export interface ModeContext {
  options: BenchOptions;
  db: Db;
  broker: ServiceBroker;
  baseUrl: string;
  /** Environment of the worker child on top of the benchmark's own. */
  workerEnv: Record<string, string>;
  deadline: number;
  /** The latency mode's arrival rate (jobs/s). */
  latencyRate?: number;
  /** Told about the worker child, so an abort can stop it. */
  onWorker(worker: WorkerProcess | undefined): void;
}

/** The Moleculer node ID of a run's worker child (the clean-up deletes its transporter queues). */
export const workerNodeId = (mode: BenchMode | "soak") => `bench-worker-${mode}-${process.pid}`;

function describe(mode: BenchMode, options: BenchOptions, latencyRate: number | undefined): string {
  if (mode === "bulk") {
    const keys = options.keyedJobs ? ", each with a concurrency key (100 keys, limit 10)" : "";
    return `jobs.enqueueMany, ${options.bulkChunk} jobs a call, ${options.bulkConcurrency} calls in flight${keys}`;
  }
  if (mode === "latency") return `POST /api/v1/jobs, 1 job a request, open loop at ${latencyRate} jobs/s`;
  return `POST /api/v1/jobs, 1 job a request, ${options.httpConcurrency} in flight (keep-alive)`;
}

/** Connections the open loop may use: enough that arrivals never wait for a free one. */
const OPEN_LOOP_CONNECTIONS = 512;

/** One measured run: fresh tables, a fresh worker child, the load, then the rows' timestamps. */
export async function runMode(mode: BenchMode, context: ModeContext): Promise<ModeResult> {
  const { options, db } = context;
  const jobs = mode === "bulk" ? options.bulkJobs : options.httpJobs;
  await resetJobTables(db, options.historyJobs);
  const tenant = await createTenant(db, mode);

  const worker = new WorkerProcess({ ...context.workerEnv, NODE_ID: workerNodeId(mode) }, options.workerNodeArgs);
  context.onWorker(worker);
  let httpLoad: HttpLoadProcess | undefined;
  try {
    const queue = workQueueName(context.workerEnv.QUEUE_PREFIX, BENCH_QUEUE);
    await waitForConsumer(options.amqpUrl, queue, () => !worker.exited).catch((error: Error) => {
      throw new Error(`${error.message}\n${worker.outputTail}`);
    });
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    worker.startSampling();

    // The HTTP load generator runs in a process of its own, its connections open before the clock starts.
    httpLoad =
      mode === "bulk"
        ? undefined
        : await HttpLoadProcess.start({
            baseUrl: context.baseUrl,
            apiKey: tenant.apiKey,
            total: jobs,
            concurrency: mode === "latency" ? OPEN_LOOP_CONNECTIONS : options.httpConcurrency,
            task: BENCH_TASK,
            maxAttempts: options.maxAttempts,
            ratePerSecond: mode === "latency" ? context.latencyRate : undefined,
          });
    const loadPid = httpLoad?.pid;
    const groups: CpuGroups = [
      ["worker", (proc) => proc.pid === worker.pid],
      POSTGRES_CPU,
      RABBITMQ_CPU,
      ["load", (proc) => proc.pid === loadPid],
      ["bench", (proc) => proc.pid === process.pid],
    ];
    const scansBefore = await jobsTableScans(db);
    const cpuBefore = cpuSnapshot(groups);
    const machineBefore = machineCpu();
    const measureStart = Date.now();

    const load = httpLoad
      ? await httpLoad.run()
      : await runBulkLoad(context.broker, {
          organizationId: tenant.organizationId,
          total: jobs,
          chunk: options.bulkChunk,
          concurrency: options.bulkConcurrency,
          task: BENCH_TASK,
          maxAttempts: options.maxAttempts,
          keyed: options.keyedJobs,
        });
    if (load.accepted === 0) throw new Error(`no job was accepted: ${load.failures.join("; ")}`);
    if (load.failed > 0) console.warn(`[${mode}] ${load.failed} refused: ${load.failures.join("; ")}`);
    await waitForFinished(db, tenant.organizationId, { deadline: context.deadline });

    const cpuSeconds = cpuDelta(cpuBefore, cpuSnapshot(groups));
    const machineAfter = machineCpu();
    // Everything else that kept the cores busy: the kernel, and any other process on the machine.
    const grouped = Object.values(cpuSeconds).reduce((sum, seconds) => sum + seconds, 0);
    cpuSeconds.other = Math.max(0, machineAfter.busy - machineBefore.busy - grouped);
    const measuredSeconds = (Date.now() - measureStart) / 1000;
    const memory = worker.memory();
    const stopped = await worker.stop();
    context.onWorker(undefined);
    let logFile: string | undefined;
    if (worker.outputLines > 0) {
      logFile = path.join(os.tmpdir(), `${context.workerEnv.QUEUE_PREFIX}-${mode}-worker.log`);
      worker.writeOutput(logFile);
      console.warn(`[${mode}] the worker wrote ${worker.outputLines} log lines (warn or worse): ${logFile}`);
    }

    // Backends report table statistics when a transaction ends, at most about once a second.
    await new Promise((resolve) => setTimeout(resolve, STATS_FLUSH_MS));
    const scansAfter = await jobsTableScans(db);
    const timings = await jobTimings(db, tenant.organizationId);
    const statuses = await statusCounts(db, tenant.organizationId);
    const endToEndSeconds = (timings.lastFinishedAt.getTime() - load.startedAt) / 1000;
    return {
      mode,
      description: describe(mode, options, context.latencyRate),
      jobs,
      load,
      timings,
      statuses,
      enqueuePerSecond: load.accepted / ((load.lastAnsweredAt - load.startedAt) / 1000),
      endToEndSeconds,
      endToEndPerSecond: timings.total / endToEndSeconds,
      worker: {
        ...memory,
        warnings: worker.outputLines,
        stopMs: stopped.ms,
        exit: stopped.killed ? "SIGKILLed after the grace period" : `code ${stopped.code ?? "-"} signal ${stopped.signal ?? "-"}`,
        logFile,
      },
      cpuSeconds,
      machineBusy: (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total),
      measuredSeconds,
      jobsSeqScans: { scans: scansAfter.seqScans - scansBefore.seqScans, rowsRead: scansAfter.seqRowsRead - scansBefore.seqRowsRead },
    };
  } finally {
    httpLoad?.close(); // after the CPU was read: the generator's counts till then
    if (!worker.exited) await worker.stop();
    context.onWorker(undefined);
  }
}
