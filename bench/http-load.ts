import { LoadRecorder, LoadResult } from "./load-result";
import { jsonPost, RawHttpConnection } from "./raw-http-connection";

export interface HttpLoadOptions {
  baseUrl: string;
  apiKey: string;
  total: number;
  /** Requests in flight at once, each on its own keep-alive connection. */
  concurrency: number;
  task: string;
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /**
   * Open loop: start one request every 1/rate s whatever the answers; `concurrency` then bounds the
   * connections (a request waits for a free one beyond that). Undefined: closed loop.
   */
  ratePerSecond?: number;
}

/** Connections opened before the clock starts in an open loop; more are opened as needed. */
const OPEN_LOOP_WARM_CONNECTIONS = 64;

/**
 * POSTs `total` jobs to /api/v1/jobs, one job a request, over raw keep-alive connections
 * (RawHttpConnection). `prepare` opens the connections, so `run` times requests only.
 */
export class HttpLoad {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly idle: RawHttpConnection[] = [];
  private readonly waiting: ((connection: RawHttpConnection) => void)[] = [];
  private opened = 0;

  constructor(private readonly options: HttpLoadOptions) {
    this.url = new URL("/api/v1/jobs", options.baseUrl);
    this.headers = { Authorization: `Bearer ${options.apiKey}` };
  }

  async prepare(): Promise<void> {
    const warm = this.options.ratePerSecond ? Math.min(OPEN_LOOP_WARM_CONNECTIONS, this.options.concurrency) : this.options.concurrency;
    const connections = Array.from({ length: warm }, () => this.open());
    await Promise.all(connections.map((connection) => connection.ready()));
    this.idle.push(...connections);
  }

  async run(): Promise<LoadResult> {
    const recorder = new LoadRecorder();
    const send = (index: number) =>
      recorder.time(1, async () => {
        const connection = await this.take();
        try {
          const answer = await connection.send(this.request(index));
          if (answer.status !== 202) throw new Error(`HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
          this.give(connection);
        } catch (error) {
          connection.close();
          this.opened -= 1;
          this.give(undefined);
          throw error;
        }
      });
    try {
      if (this.options.ratePerSecond) await openLoop(this.options.total, this.options.ratePerSecond, send, recorder);
      else {
        let next = 0;
        const sender = async () => {
          while (next < this.options.total) await send(next++);
        };
        await Promise.all(Array.from({ length: this.options.concurrency }, sender));
      }
    } finally {
      for (const connection of this.idle.splice(0)) connection.close();
    }
    return recorder.result();
  }

  private request(index: number): Buffer {
    const body = JSON.stringify({
      task: this.options.task,
      payload: { text: `bench ${index}` },
      ...(this.options.maxAttempts ? { maxAttempts: this.options.maxAttempts } : {}),
    });
    return jsonPost(this.url, this.headers, body);
  }

  private open(): RawHttpConnection {
    this.opened += 1;
    return new RawHttpConnection(this.url, this.options.requestTimeoutMs ?? 30_000);
  }

  /** An idle connection still open, a new one while fewer than `concurrency` are open, or the next one given back. */
  private async take(): Promise<RawHttpConnection> {
    for (let idle = this.idle.pop(); idle; idle = this.idle.pop()) {
      if (idle.usable) return idle;
      this.opened -= 1; // closed by the server while idle
    }
    if (this.opened < this.options.concurrency) {
      const connection = this.open();
      await connection.ready();
      return connection;
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Hands a connection back (undefined: it failed and was closed, so a waiter opens a new one). */
  private give(connection: RawHttpConnection | undefined): void {
    const waiter = this.waiting.shift();
    if (!waiter) {
      if (connection) this.idle.push(connection);
      return;
    }
    if (connection) waiter(connection);
    else void this.take().then(waiter);
  }
}

/**
 * Starts request i at start + i/rate, not when an earlier one is answered, so a slow answer does not
 * slow the arrivals (no coordinated omission). How late each start was is recorded.
 */
async function openLoop(total: number, rate: number, send: (index: number) => Promise<void>, recorder: LoadRecorder): Promise<void> {
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = start + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    recorder.sendLag(Math.max(0, performance.now() - due));
    inFlight.push(send(index));
  }
  await Promise.all(inFlight);
}
