import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";

/** Where the figures were taken. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the benchmark started (other work on the machine skews the figures). */
  loadAverage: string;
  postgres: string;
  rabbitmq: string;
  /** Commit of the checkout, with "+ uncommitted changes" when the working tree differs from it. */
  revision: string;
}

function gitRevision(): string {
  const cwd = path.resolve(__dirname, "..");
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd, encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd, encoding: "utf8" }).trim();
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return "unknown";
  }
}

export function describeMachine(versions: { postgres: string; rabbitmq: string }): Machine {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg()[0].toFixed(2),
    ...versions,
    revision: gitRevision(),
  };
}
