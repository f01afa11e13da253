import type { ServiceBroker } from "moleculer";
import type { Db } from "../shared/db/knex";
import { workQueueName } from "../shared/engine/queue/topology";
import { createTenant, resetJobTables } from "./database";
import { waitForConsumer } from "./rabbitmq";
import { BENCH_QUEUE, BENCH_TASK, workerNodeId } from "./run-mode";
import { WorkerProcess } from "./worker-process";

export interface SoakOptions {
  jobs: number;
  /** Jobs enqueued per second, in chunks of `chunk`. */
  rate: number;
  chunk: number;
  sampleMs: number;
  /** JOB_RETENTION_SUCCEEDED_MS of the run: short, so retention deletes while jobs are added. */
  retentionMs: number;
  historyJobs: number;
  amqpUrl: string;
}

/** One sample of the soak: what ran in the interval, and how big the tables were at its end. */
export interface SoakSample {
  elapsedS: number;
  enqueuedPerSecond: number;
  finishedPerSecond: number;
  /** Accepted jobs not finished yet. */
  backlog: number;
  jobsRows: number;
  jobsMb: number;
  eventsRows: number;
  eventsMb: number;
  workerRssMb: number;
}

export interface SoakResult {
  options: SoakOptions;
  samples: SoakSample[];
  accepted: number;
  refused: number;
  seconds: number;
}

interface TableSizes {
  jobsRows: number;
  jobsMb: number;
  eventsRows: number;
  eventsMb: number;
}

async function tableSizes(db: Db): Promise<TableSizes> {
  const { rows } = await db.raw<{ rows: { relname: string; live: string; bytes: string }[] }>(
    `SELECT relname, n_live_tup AS live, pg_total_relation_size(relid) AS bytes
     FROM pg_stat_user_tables WHERE relname IN ('jobs', 'job_events')`,
  );
  const of = (name: string) => rows.find((row) => row.relname === name) ?? { live: "0", bytes: "0" };
  return {
    jobsRows: Number(of("jobs").live),
    jobsMb: Number(of("jobs").bytes) / 2 ** 20,
    eventsRows: Number(of("job_events").live),
    eventsMb: Number(of("job_events").bytes) / 2 ** 20,
  };
}

/** The organization's accepted jobs that have not finished (read through jobs_unfinished). */
async function backlogOf(db: Db, organizationId: string): Promise<number> {
  const { rows } = await db.raw<{ rows: { count: string }[] }>(
    "SELECT count(*) AS count FROM jobs WHERE organization_id = ? AND finished_at IS NULL",
    [organizationId],
  );
  return Number(rows[0].count);
}

/**
 * BENCH_SOAK=1: `jobs` no-op jobs at a steady `rate` through the bulk action, with a short retention,
 * sampled every `sampleMs`: the job rate must stay level from the first sample to the last, and the
 * jobs and job_events tables the size of the retention window, not of the run.
 */
export async function runSoak(options: SoakOptions, context: { db: Db; broker: ServiceBroker; workerEnv: Record<string, string>; onWorker(worker: WorkerProcess | undefined): void }): Promise<SoakResult> {
  const { db } = context;
  await resetJobTables(db, options.historyJobs);
  const tenant = await createTenant(db, "soak");
  const worker = new WorkerProcess({ ...context.workerEnv, NODE_ID: workerNodeId("soak") });
  context.onWorker(worker);
  try {
    await waitForConsumer(options.amqpUrl, workQueueName(context.workerEnv.QUEUE_PREFIX, BENCH_QUEUE), () => !worker.exited);
    worker.startSampling();
    const started = Date.now();
    let accepted = 0;
    let refused = 0;
    const samples: SoakSample[] = [];
    let last = { at: started, accepted: 0, finished: 0 };
    const sample = async () => {
      const now = Date.now();
      const backlog = await backlogOf(db, tenant.organizationId);
      const finished = accepted - backlog;
      const seconds = (now - last.at) / 1000;
      samples.push({
        elapsedS: (now - started) / 1000,
        enqueuedPerSecond: (accepted - last.accepted) / seconds,
        finishedPerSecond: (finished - last.finished) / seconds,
        backlog,
        ...(await tableSizes(db)),
        workerRssMb: worker.memory().sampledPeakRss / 2 ** 20,
      });
      const latest = samples[samples.length - 1];
      console.log(
        `[soak] ${latest.elapsedS.toFixed(0)} s: ${Math.round(latest.finishedPerSecond)} jobs/s finished, backlog ${backlog}, ` +
          `jobs ${latest.jobsRows} rows (${latest.jobsMb.toFixed(0)} MB), job_events ${latest.eventsRows} rows (${latest.eventsMb.toFixed(0)} MB)`,
      );
      last = { at: now, accepted, finished };
    };
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      sampling = sampling.then(sample);
    }, options.sampleMs);
    try {
      for (let sent = 0; sent < options.jobs; ) {
        const due = started + (sent * 1000) / options.rate;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        const count = Math.min(options.chunk, options.jobs - sent);
        const jobs = Array.from({ length: count }, (_, i) => ({ task: BENCH_TASK, payload: { text: `soak ${sent + i}` } }));
        sent += count;
        try {
          await context.broker.call("jobs.enqueueMany", { jobs }, { meta: { organizationId: tenant.organizationId }, timeout: 60_000 });
          accepted += count;
        } catch (error) {
          refused += count;
          console.warn(`[soak] a chunk was refused: ${(error as Error).message}`);
        }
      }
      while ((await backlogOf(db, tenant.organizationId)) > 0) await new Promise((resolve) => setTimeout(resolve, 500));
    } finally {
      clearInterval(sampler);
      await sampling;
    }
    await sample();
    return { options, samples, accepted, refused, seconds: (Date.now() - started) / 1000 };
  } finally {
    await worker.stop();
    context.onWorker(undefined);
  }
}

/** The dated section for BENCHMARKS.md: one row per sample. */
export function soakSection(result: SoakResult, heading: string[]): string {
  const { options } = result;
  const row = (sample: SoakSample) =>
    `| ${sample.elapsedS.toFixed(0)} | ${Math.round(sample.enqueuedPerSecond)} | ${Math.round(sample.finishedPerSecond)} | ${sample.backlog} | ` +
    `${sample.jobsRows} (${sample.jobsMb.toFixed(0)} MB) | ${sample.eventsRows} (${sample.eventsMb.toFixed(0)} MB) | ${sample.workerRssMb.toFixed(0)} |`;
  return [
    ...heading,
    `- Soak: ${options.jobs} jobs at ${options.rate} jobs/s (bulk, ${options.chunk} a call), JOB_RETENTION_SUCCEEDED_MS=${options.retentionMs}, sampled every ${options.sampleMs / 1000} s; ` +
      `${result.accepted} accepted, ${result.refused} refused, ${result.seconds.toFixed(0)} s`,
    "",
    "| s | enqueued/s | finished/s | backlog | jobs rows (size) | job_events rows (size) | worker RSS peak MB |",
    "|---|---|---|---|---|---|---|",
    ...result.samples.map(row),
    "",
  ].join("\n");
}
