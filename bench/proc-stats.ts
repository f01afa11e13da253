import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Memory of one process from /proc/<pid>/status, in bytes (undefined once it has exited). */
export interface MemoryStatus {
  rss: number;
  /** High-water mark of the resident set since the process started (VmHWM). */
  peakRss: number;
}

export function memoryStatus(pid: number): MemoryStatus | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), peakRss: kb("VmHWM") };
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

interface ProcessCpu {
  pid: number;
  ppid: number;
  comm: string;
  /** User + system CPU seconds so far. */
  seconds: number;
  /** User + system CPU seconds of its children that exited and were waited for. */
  reaped: number;
}

function processCpu(pid: number): ProcessCpu | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // exited meanwhile
  }
  // comm is in parentheses and may hold spaces; the fields after the last ")" are fixed:
  // state (index 0 here), ppid (1), ..., utime (11), stime (12), cutime (13), cstime (14), in clock ticks.
  const close = text.lastIndexOf(")");
  const comm = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  const ticks = (from: number) => (Number(fields[from]) + Number(fields[from + 1])) / clockTicks();
  return { pid, ppid: Number(fields[1]), comm, seconds: ticks(11), reaped: ticks(13) };
}

/**
 * Groups whose CPU time is reported, in order of precedence: a process belongs to the first group
 * that matches it or one of its ancestors (so a child's helpers, e.g. esbuild, count with the child).
 */
export type CpuGroups = [group: string, matches: (proc: { pid: number; comm: string }) => boolean][];

/** The local servers' processes, as every benchmark groups them. */
export const POSTGRES_CPU: CpuGroups[number] = ["postgres", (proc) => proc.comm === "postgres"];
export const RABBITMQ_CPU: CpuGroups[number] = ["rabbitmq", (proc) => proc.comm === "beam.smp"];

export type CpuSnapshot = Map<number, { group: string; seconds: number; reaped: number; ppid: number }>;

/** CPU seconds so far of every process that belongs to one of the groups. */
export function cpuSnapshot(groups: CpuGroups): CpuSnapshot {
  const processes = new Map<number, ProcessCpu>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cpu = processCpu(Number(entry));
    if (cpu) processes.set(cpu.pid, cpu);
  }
  const groupOf = (proc: ProcessCpu): string | undefined => {
    for (const [group, matches] of groups) {
      for (let current: ProcessCpu | undefined = proc, depth = 0; current && depth < 32; depth++) {
        if (matches(current)) return group;
        current = current.ppid > 1 ? processes.get(current.ppid) : undefined;
      }
    }
    return undefined;
  };
  const snapshot: CpuSnapshot = new Map();
  for (const proc of processes.values()) {
    const group = groupOf(proc);
    if (group) snapshot.set(proc.pid, { group, seconds: proc.seconds, reaped: proc.reaped, ppid: proc.ppid });
  }
  return snapshot;
}

/**
 * CPU seconds each group used between two snapshots. A process that started in between counts from
 * zero. One that exited in between and was waited for by a process of a group (a Postgres backend
 * by the postmaster, the reference ceiling's process by the benchmark's) counts through its
 * parent's reaped time, less what it had used before the first snapshot.
 */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): Record<string, number> {
  const used: Record<string, number> = {};
  const add = (group: string, seconds: number) => (used[group] = (used[group] ?? 0) + seconds);
  for (const [pid, { group, seconds, reaped }] of after) {
    const earlier = before.get(pid);
    add(group, seconds - (earlier?.seconds ?? 0) + (earlier ? reaped - earlier.reaped : 0));
  }
  for (const [pid, { seconds, ppid }] of before) {
    const parent = after.get(ppid);
    if (!after.has(pid) && parent) add(parent.group, -seconds);
  }
  return used;
}

/** Busy and total CPU seconds of the whole machine so far (all cores), from /proc/stat. */
export function machineCpu(): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
  // cpu user nice system idle iowait irq softirq steal ...
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy: busy / clockTicks(), total: (busy + idle + iowait) / clockTicks() };
}
