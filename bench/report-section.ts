import { appendFileSync } from "node:fs";
import path from "node:path";
import type { Machine } from "./machine";

/** BENCHMARKS.md unless BENCH_REPORT_FILE names another file; an empty BENCH_REPORT_FILE only prints. */
const REPORT_FILE = process.env.BENCH_REPORT_FILE ?? path.resolve(__dirname, "../BENCHMARKS.md");

/**
 * Prints a dated BENCHMARKS.md section, headed by the npm script that produced it and the machine it
 * ran on, with the benchmark's own lines, and appends it to the report file.
 */
export function reportSection(title: string, script: string, machine: Machine, body: readonly string[]): void {
  const lines = [
    `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC — ${title}`,
    "",
    `- Command: \`npm run ${script}\``,
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM; load average ${machine.loadAverage} at the start; Node ${machine.node}, PostgreSQL ${machine.postgres}, RabbitMQ ${machine.rabbitmq}; Conveyor ${machine.revision}`,
    ...body,
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  if (REPORT_FILE) appendFileSync(REPORT_FILE, `\n${lines.join("\n")}`);
}
