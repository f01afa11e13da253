import { ChildProcess, fork } from "node:child_process";
import { HttpLoad, HttpLoadOptions } from "./http-load";
import type { LoadResult } from "./load-result";

/**
 * The HTTP load generator in a process of its own, so the benchmark's process is the gateway's
 * (with auth and jobs) and its CPU a request is the gateway's own. The child opens its connections
 * first (`start` resolves then), so `run` times only the requests.
 *
 * Messages: parent → child `{ options }`, then `{ run: true }`; child → parent `{ ready: true }`,
 * then `{ result }`; `{ error }` at either step.
 */
type ToChild = { options: HttpLoadOptions } | { run: true };
type FromChild = { ready: true } | { result: LoadResult } | { error: string };

export class HttpLoadProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: HttpLoadOptions): Promise<HttpLoadProcess> {
    const child = fork(__filename, [], { execArgv: ["--require", "tsx/cjs"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    const load = new HttpLoadProcess(child);
    const ready = load.next();
    load.send({ options });
    const first = await ready;
    if (!("ready" in first)) {
      child.kill();
      throw new Error(`HTTP load generator did not start: ${"error" in first ? first.error : "no answer"}`);
    }
    return load;
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error("HTTP load generator did not start");
    return this.child.pid;
  }

  async run(): Promise<LoadResult> {
    const answer = this.next();
    this.send({ run: true });
    const last = await answer;
    if ("result" in last) return last.result;
    throw new Error(`HTTP load generator failed: ${"error" in last ? last.error : "no result"}`);
  }

  /** Lets the child exit; called after the run's CPU is read, so the child's counts till then. */
  close(): void {
    if (this.child.connected) this.child.disconnect();
  }

  private send(message: ToChild): void {
    this.child.send(message);
  }

  private next(): Promise<FromChild> {
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`HTTP load generator exited with code ${code}`));
      this.child.once("exit", onExit);
      this.child.once("message", (message: FromChild) => {
        this.child.off("exit", onExit);
        resolve(message);
      });
    });
  }
}

/** The child's side: prepare on `options`, run on `run`, answer each. */
function serveParent(): void {
  const answer = (message: FromChild) => process.send?.(message);
  const failed = (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) });
  let load: HttpLoad | undefined;
  process.on("message", (message: ToChild) => {
    if ("options" in message) {
      load = new HttpLoad(message.options);
      load.prepare().then(() => answer({ ready: true }), failed);
    } else if (load) {
      load.run().then((result) => answer({ result }), failed);
    }
  });
  process.on("disconnect", () => process.exit(0));
}

if (require.main === module && process.send) serveParent();
