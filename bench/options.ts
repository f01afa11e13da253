import { readFileSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

/** Benchmark settings, read once from the environment (every one has a default). */
export interface BenchOptions {
  /** Jobs enqueued through `jobs.enqueueMany` in the bulk run. */
  bulkJobs: number;
  /** Jobs per `jobs.enqueueMany` call. */
  bulkChunk: number;
  /** `jobs.enqueueMany` calls in flight at once. */
  bulkConcurrency: number;
  /** Jobs POSTed one per request in the HTTP run. */
  httpJobs: number;
  /** HTTP requests in flight at once (one keep-alive socket each). */
  httpConcurrency: number;
  /** The latency run's fixed arrival rate (jobs/s); undefined: half of this run's HTTP end-to-end rate. */
  latencyRate: number | undefined;
  /**
   * BENCH_KEYED_JOBS=1: every bulk job carries a concurrency key (one of 100, limit 10 each, so the
   * keys cost their claim but never hold a job back), to show what keys cost.
   */
  keyedJobs: boolean;
  /** maxAttempts sent with every job; undefined leaves the task's default. */
  maxAttempts: number | undefined;
  /** Finished jobs of another organization put in the jobs table before each run (0: start empty). */
  historyJobs: number;
  /** Which runs to do, in order. */
  modes: BenchMode[];
  /** The whole benchmark is abandoned (and cleaned up) after this long. */
  timeoutMs: number;
  /** Admin connection used to create the benchmark database. */
  adminDatabaseUrl: string;
  database: string;
  amqpUrl: string;
  /**
   * Node options of the worker process: the default worker Deployment's NODE_OPTIONS (so its memory
   * is measured as deployed; BENCH_WORKER_AS_DEPLOYED=0 for Node's defaults), then
   * BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
   */
  workerNodeArgs: string[];
  /** Where the dated results section is appended; empty to skip. */
  reportFile: string;
  /** BENCH_SOAK=1: the soak run (bench/soak.ts) instead of the modes. */
  soak: { jobs: number; rate: number; chunk: number; sampleMs: number; retentionMs: number } | undefined;
}

/** latency: HTTP at a fixed arrival rate (open loop), by default half of the http mode's rate. */
export type BenchMode = "bulk" | "http" | "latency";

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function nonNegativeInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function modes(raw: string | undefined): BenchMode[] {
  const requested = (raw ?? "bulk,http,latency").split(",").map((mode) => mode.trim()).filter(Boolean);
  const known: BenchMode[] = ["bulk", "http", "latency"];
  const unknown = requested.filter((mode) => !known.includes(mode as BenchMode));
  if (unknown.length > 0 || requested.length === 0) {
    throw new Error(`BENCH_MODES must list bulk, http and/or latency, got "${raw ?? ""}"`);
  }
  if (requested.includes("latency") && !process.env.BENCH_LATENCY_RATE && requested.indexOf("http") < 0) {
    throw new Error("BENCH_MODES: latency runs at half the http mode's rate, so list http before it, or set BENCH_LATENCY_RATE");
  }
  return requested as BenchMode[];
}

const DEFAULT_WORKER_DEPLOYMENT = path.resolve(__dirname, "../deploy/kubernetes/worker-default.yaml");

/** NODE_OPTIONS as the default worker Deployment sets it ("" when it does not). */
export function deployedWorkerNodeOptions(file = DEFAULT_WORKER_DEPLOYMENT): string {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    const manifest = document.toJS() as { kind?: string; spec?: { template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } } } };
    if (manifest?.kind !== "Deployment") continue;
    for (const container of manifest.spec?.template?.spec?.containers ?? []) {
      const options = container.env?.find((variable) => variable.name === "NODE_OPTIONS")?.value;
      if (options) return options;
    }
  }
  return "";
}

export function readOptions(): BenchOptions {
  return {
    bulkJobs: positiveInt("BENCH_JOBS", 20_000),
    bulkChunk: Math.min(positiveInt("BENCH_BULK_CHUNK", 1_000), 1_000),
    bulkConcurrency: positiveInt("BENCH_BULK_CONCURRENCY", 2),
    httpJobs: positiveInt("BENCH_HTTP_JOBS", 10_000),
    httpConcurrency: positiveInt("BENCH_HTTP_CONCURRENCY", 64),
    latencyRate: process.env.BENCH_LATENCY_RATE ? positiveInt("BENCH_LATENCY_RATE", 1) : undefined,
    keyedJobs: process.env.BENCH_KEYED_JOBS === "1",
    maxAttempts: process.env.BENCH_MAX_ATTEMPTS ? positiveInt("BENCH_MAX_ATTEMPTS", 1) : undefined,
    historyJobs: nonNegativeInt("BENCH_HISTORY_JOBS", 20_000),
    modes: modes(process.env.BENCH_MODES),
    timeoutMs: positiveInt("BENCH_TIMEOUT_MS", 15 * 60_000),
    adminDatabaseUrl: process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres",
    database: process.env.BENCH_DATABASE ?? "conveyor_bench",
    amqpUrl: process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
    workerNodeArgs: [process.env.BENCH_WORKER_AS_DEPLOYED === "0" ? "" : deployedWorkerNodeOptions(), process.env.BENCH_WORKER_NODE_ARGS ?? ""]
      .join(" ")
      .split(/\s+/)
      .filter(Boolean),
    reportFile: process.env.BENCH_REPORT_FILE ?? "BENCHMARKS.md",
    soak:
      process.env.BENCH_SOAK === "1"
        ? {
            jobs: positiveInt("BENCH_SOAK_JOBS", 1_000_000),
            rate: positiveInt("BENCH_SOAK_RATE", 2_000),
            chunk: Math.min(positiveInt("BENCH_BULK_CHUNK", 1_000), 1_000),
            sampleMs: positiveInt("BENCH_SOAK_SAMPLE_MS", 30_000),
            retentionMs: positiveInt("BENCH_SOAK_RETENTION_MS", 60_000),
          }
        : undefined,
  };
}
