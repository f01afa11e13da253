import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { memoryStatus } from "./proc-stats";

const ROOT = path.resolve(__dirname, "..");
/** Lines of output kept for the log file (the rest are counted). */
const OUTPUT_KEPT_LINES = 5_000;
/** Lines echoed to the benchmark's stderr; the rest are only counted (a noisy worker must not flood it). */
const ECHOED_LINES = 20;

/** What a worker child's resident memory did while it ran. */
export interface WorkerMemory {
  /** RSS once it was consuming, before any job arrived. */
  idleRss: number;
  /** Highest RSS seen by sampling /proc/<pid>/status every `sampleMs`. */
  sampledPeakRss: number;
  /** VmHWM just before it was stopped: the kernel's own high-water mark, start-up included. */
  peakRss: number;
}

/**
 * A Conveyor node in its own process, started the way `npm start` starts one
 * (`node --require tsx/cjs scripts/start.ts` with SERVICES=demo), so its memory is measured apart from the
 * producer's. Its stdout/stderr are kept (the last lines) and echoed with a prefix.
 */
export class WorkerProcess {
  private readonly child: ChildProcess;
  private readonly output: string[] = [];
  private readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private sampler: NodeJS.Timeout | undefined;
  private linesSeen = 0;
  private idleRss = 0;
  private sampledPeakRss = 0;

  /** `nodeArgs` go before the script, e.g. ["--cpu-prof"] to profile the worker. */
  constructor(env: Record<string, string>, nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, "--require", "tsx/cjs", "scripts/start.ts"], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.exit = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
    for (const stream of [this.child.stdout, this.child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => this.record(chunk));
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("worker process did not start");
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** The last lines the child wrote, for error messages. */
  get outputTail(): string {
    return this.output.slice(-40).join("\n");
  }

  /** Writes what the child wrote (its first OUTPUT_KEPT_LINES lines) to a file. */
  writeOutput(file: string): void {
    const dropped = this.linesSeen - this.output.length;
    writeFileSync(file, `${this.output.join("\n")}\n${dropped > 0 ? `... and ${dropped} more lines\n` : ""}`);
  }

  /** How many lines the child has written (at LOG_LEVEL=warn, each one is a warning or an error). */
  get outputLines(): number {
    return this.linesSeen;
  }

  /** Starts sampling RSS; the current RSS is taken as the idle figure. */
  startSampling(sampleMs = 100): void {
    this.idleRss = memoryStatus(this.pid)?.rss ?? 0;
    this.sampledPeakRss = this.idleRss;
    this.sampler = setInterval(() => {
      const status = memoryStatus(this.pid);
      if (status) this.sampledPeakRss = Math.max(this.sampledPeakRss, status.rss);
    }, sampleMs);
  }

  /** Memory figures so far (call before `stop`, while /proc still has the process). */
  memory(): WorkerMemory {
    const status = memoryStatus(this.pid);
    if (status) this.sampledPeakRss = Math.max(this.sampledPeakRss, status.rss);
    return { idleRss: this.idleRss, sampledPeakRss: this.sampledPeakRss, peakRss: status?.peakRss ?? NaN };
  }

  /** SIGTERM (the broker stops its services and exits), then SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null; killed: boolean; ms: number }> {
    clearInterval(this.sampler);
    const started = Date.now();
    if (this.exited) return { ...(await this.exit), killed: false, ms: 0 };
    this.child.kill("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs);
    });
    const first = await Promise.race([this.exit, timeout]);
    clearTimeout(timer);
    if (first !== "timeout") return { ...first, killed: false, ms: Date.now() - started };
    this.child.kill("SIGKILL");
    return { ...(await this.exit), killed: true, ms: Date.now() - started };
  }

  private record(chunk: string): void {
    for (const line of chunk.split("\n")) {
      if (line.trim() === "") continue;
      if (this.output.length < OUTPUT_KEPT_LINES) this.output.push(line);
      this.linesSeen++;
      if (this.linesSeen <= ECHOED_LINES) process.stderr.write(`[worker] ${line}\n`);
    }
  }
}
