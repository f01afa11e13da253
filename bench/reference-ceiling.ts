import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CeilingResult {
  script: string;
  jobs: number;
  endToEndPerSecond: number;
}

/**
 * Runs the workplace's reference ceiling (the same Postgres and RabbitMQ writes with no framework,
 * ../shared/perf/reference-ceiling.mjs, or BENCH_CEILING_SCRIPT) in the same minute as the bench, so
 * the ratio of the two is read on one machine state. Undefined when the script is not there (a
 * machine without the workplace's reference material).
 */
export async function measureCeiling(root: string, jobs: number, env: NodeJS.ProcessEnv): Promise<CeilingResult | undefined> {
  const script = path.resolve(root, env.BENCH_CEILING_SCRIPT ?? "../shared/perf/reference-ceiling.mjs");
  if (!existsSync(script)) return undefined;
  const { stdout } = await run(process.execPath, [script, String(jobs)], { cwd: root, env, maxBuffer: 16 * 2 ** 20, timeout: 300_000 });
  const line = stdout.trim().split("\n").pop() ?? "";
  const figures = JSON.parse(line) as { end_to_end_jobs_per_s: number; not_succeeded: number };
  if (figures.not_succeeded !== 0) throw new Error(`reference ceiling left ${figures.not_succeeded} jobs unfinished`);
  return { script: path.relative(root, script), jobs, endToEndPerSecond: figures.end_to_end_jobs_per_s };
}
