import type { Percentiles } from "./job-timings";
import type { Machine } from "./machine";
import { percentiles } from "./percentiles";
import type { ModeResult } from "./run-mode";

const int = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString("en-US") : "n/a");
const ms = (value: number) => (!Number.isFinite(value) ? "n/a" : value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString("en-US"));
const mb = (bytes: number) => (Number.isFinite(bytes) ? `${Math.round(bytes / 2 ** 20)} MB` : "n/a");
const triple = (p: Percentiles) => `${ms(p.p50)} / ${ms(p.p95)} / ${ms(p.p99)} (max ${ms(p.max)})`;

const CPU_GROUPS = ["worker", "bench", "load", "postgres", "rabbitmq", "other"];

/** One row per figure, one column per run. */
function rows(results: ModeResult[]): [string, ...string[]][] {
  const row = (label: string, value: (result: ModeResult) => string): [string, ...string[]] => [label, ...results.map(value)];
  return [
    row("how", (r) => r.description),
    row("jobs accepted / succeeded", (r) => {
      const others = Object.entries(r.statuses).filter(([status]) => status !== "succeeded");
      const notes = [
        ...(r.load.failed ? [`${int(r.load.failed)} refused`] : []),
        ...others.map(([status, count]) => `${int(count)} ${status}`),
      ];
      return `${int(r.load.accepted)} / ${int(r.timings.succeeded)}${notes.length ? ` (${notes.join(", ")})` : ""}`;
    }),
    row("enqueue jobs/s", (r) => int(r.enqueuePerSecond)),
    row("end-to-end jobs/s", (r) => `${int(r.endToEndPerSecond)} (${r.endToEndSeconds.toFixed(2)} s)`),
    row("enqueue→start ms p50/p95/p99", (r) => triple(r.timings.enqueueToStart)),
    row("enqueue→finish ms p50/p95/p99", (r) => triple(r.timings.enqueueToFinish)),
    row("call round trip ms p50/p95/p99", (r) => triple(percentiles(r.load.callMs))),
    row("open loop: send lag ms p50/p95/p99", (r) => (r.load.sendLagMs.length ? triple(percentiles(r.load.sendLagMs)) : "-")),
    row("worker RSS idle → peak (VmHWM)", (r) => `${mb(r.worker.idleRss)} → ${mb(r.worker.peakRss)} (sampled ${mb(r.worker.sampledPeakRss)})`),
    row(`CPU s ${CPU_GROUPS.join("/")}`, (r) => CPU_GROUPS.map((group) => (r.cpuSeconds[group] ?? 0).toFixed(1)).join(" / ")),
    row("bench process CPU ms a job (producer; bulk: and its load generator)", (r) => (((r.cpuSeconds.bench ?? 0) * 1000) / Math.max(1, r.load.accepted)).toFixed(2)),
    row("machine CPU busy", (r) => `${Math.round(r.machineBusy * 100)}% of all cores over ${r.measuredSeconds.toFixed(1)} s`),
    row("jobs table seq scans (rows read)", (r) => `${int(r.jobsSeqScans.scans)} (${int(r.jobsSeqScans.rowsRead)})`),
    row("jobs with >1 attempt", (r) => int(r.timings.multiAttempt)),
    row("worker log lines (warn+)", (r) => int(r.worker.warnings)),
    row("worker stop", (r) => `${r.worker.exit} in ${int(r.worker.stopMs)} ms`),
  ];
}

function titles(results: ModeResult[]): [string, ...string[]] {
  const title = { bulk: "bulk", http: "HTTP", latency: "HTTP, open loop" } as const;
  return ["", ...results.map((result) => title[result.mode])];
}

/** A plain-text table for the terminal. */
export function formatTable(results: ModeResult[]): string {
  const table = [titles(results), ...rows(results)];
  const widths = table[0].map((_, column) => Math.max(...table.map((line) => line[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  return [line(table[0]), widths.map((width) => "-".repeat(width)).join("  "), ...table.slice(1).map(line)].join("\n");
}

const cell = (text: string) => text.replace(/\|/g, "\\|");

export interface SectionHeading {
  date: Date;
  command: string;
  machine: Machine;
  settings: string;
}

/** A dated section's title and the lines that say how its figures were made. */
export function headingLines(input: SectionHeading): string[] {
  const { machine } = input;
  return [
    `## ${input.date.toISOString().slice(0, 16).replace("T", " ")} UTC`,
    "",
    `- Command: \`${input.command}\``,
    `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.kernel}; load average ${machine.loadAverage} when the benchmark started`,
    `- Software: Node ${machine.node}, PostgreSQL ${machine.postgres}, RabbitMQ ${machine.rabbitmq}; Conveyor ${machine.revision}`,
    `- Settings: ${input.settings}`,
  ];
}

/** The dated section appended to BENCHMARKS.md. */
export function markdownSection(
  input: SectionHeading & {
    results: ModeResult[];
    /** The reference ceiling measured in the same run, and the bulk figure's ratio to it. */
    ceiling: string;
  },
): string {
  const { results } = input;
  const table = [titles(results), ...rows(results)];
  const lines = [
    ...headingLines(input),
    `- ${input.ceiling}`,
    "",
    `| ${table[0].map(cell).join(" | ")} |`,
    `|${table[0].map(() => "---").join("|")}|`,
    ...table.slice(1).map((line) => `| ${line.map(cell).join(" | ")} |`),
    "",
  ];
  return lines.join("\n");
}
