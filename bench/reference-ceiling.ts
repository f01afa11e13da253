import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { cpuDelta, cpuSnapshot, CpuGroups, POSTGRES_CPU, RABBITMQ_CPU } from "./proc-stats";

const run = promisify(execFile);

export interface CeilingResult {
  script: string;
  jobs: number;
  endToEndPerSecond: number;
  /** CPU seconds of its run: its node process ("node"), postgres, rabbitmq. */
  cpuSeconds: Record<string, number>;
}

/**
 * The ceiling's node process is a child of this one: it has exited by the second snapshot, so it
 * is counted as this process's reaped time (this process's own time meanwhile, a few ms of waiting,
 * with it).
 */
const CEILING_CPU_GROUPS: CpuGroups = [
  ["node", (proc) => proc.pid === process.pid],
  POSTGRES_CPU,
  RABBITMQ_CPU,
];

/**
 * Runs the workplace's reference ceiling (the same Postgres and RabbitMQ writes with no framework,
 * ../shared/perf/reference-ceiling.mjs, or BENCH_CEILING_SCRIPT) in the same minute as the bench, so
 * the ratio of the two is read on one machine state. Undefined when the script is not there (a
 * machine without the workplace's reference material).
 */
export async function measureCeiling(root: string, jobs: number, env: NodeJS.ProcessEnv): Promise<CeilingResult | undefined> {
  const script = path.resolve(root, env.BENCH_CEILING_SCRIPT ?? "../shared/perf/reference-ceiling.mjs");
  if (!existsSync(script)) return undefined;
  const before = cpuSnapshot(CEILING_CPU_GROUPS);
  const { stdout } = await run(process.execPath, [script, String(jobs)], { cwd: root, env, maxBuffer: 16 * 2 ** 20, timeout: 300_000 });
  const cpuSeconds = cpuDelta(before, cpuSnapshot(CEILING_CPU_GROUPS));
  const line = stdout.trim().split("\n").pop() ?? "";
  const figures = JSON.parse(line) as { end_to_end_jobs_per_s: number; not_succeeded: number };
  if (figures.not_succeeded !== 0) throw new Error(`reference ceiling left ${figures.not_succeeded} jobs unfinished`);
  return { script: path.relative(root, script), jobs, endToEndPerSecond: figures.end_to_end_jobs_per_s, cpuSeconds };
}

/** A run's bulk figures the ceiling is compared with. */
interface BulkFigures {
  endToEndPerSecond: number;
  jobs: number;
  cpuSeconds: Record<string, number>;
}

/**
 * The ceiling's line of the report: its rate, the bulk run's ratio to it, and where the CPU went
 * in each, µs a job, so the line says which part of Conveyor is how far from the bare writes.
 */
export function describeCeiling(ceiling: CeilingResult | undefined, bulk: BulkFigures | undefined): string {
  if (!ceiling) return "Reference ceiling: not measured (no ../shared/perf/reference-ceiling.mjs here; set BENCH_CEILING_SCRIPT)";
  const perJob = (seconds: number | undefined, jobs: number) => Math.round(((seconds ?? 0) / jobs) * 1e6);
  const ceilingCpu = ["node", "postgres", "rabbitmq"].map((group) => perJob(ceiling.cpuSeconds[group], ceiling.jobs));
  let line =
    `Reference ceiling (${ceiling.script}, ${ceiling.jobs} jobs, same run): ${Math.round(ceiling.endToEndPerSecond)} jobs/s end to end; ` +
    `CPU µs a job node/postgres/rabbitmq ${ceilingCpu.join(" / ")}`;
  if (bulk) {
    const cpu = bulk.cpuSeconds;
    const bulkCpu = [perJob((cpu.worker ?? 0) + (cpu.bench ?? 0), bulk.jobs), perJob(cpu.postgres, bulk.jobs), perJob(cpu.rabbitmq, bulk.jobs)];
    line +=
      `; bulk = ${(bulk.endToEndPerSecond / ceiling.endToEndPerSecond).toFixed(2)} × ceiling, ` +
      `CPU µs a job node (worker + producer)/postgres/rabbitmq ${bulkCpu.join(" / ")}`;
  }
  return line;
}
