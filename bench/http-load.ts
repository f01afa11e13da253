import http from "node:http";
import { LoadRecorder, LoadResult } from "./load-result";

export interface HttpLoadOptions {
  baseUrl: string;
  apiKey: string;
  total: number;
  /** Requests in flight at once, each on its own keep-alive socket. */
  concurrency: number;
  task: string;
  maxAttempts?: number;
  requestTimeoutMs?: number;
  /**
   * Open loop: start one request every 1/rate s whatever the answers (requests in flight are then
   * not bounded by `concurrency`, which only sizes the socket pool). Undefined: closed loop.
   */
  ratePerSecond?: number;
}

/** One POST; resolves with the status and body once the response has been read. */
function post(agent: http.Agent, url: URL, headers: http.OutgoingHttpHeaders, body: string, timeoutMs: number) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const request = http.request(url, { method: "POST", agent, headers: { ...headers, "content-length": Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** POSTs `total` jobs to /api/v1/jobs, one job a request, `concurrency` at a time over keep-alive sockets. */
export async function runHttpLoad(options: HttpLoadOptions): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency });
  const url = new URL("/api/v1/jobs", options.baseUrl);
  const headers = { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" };
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const recorder = new LoadRecorder();
  const send = (index: number) => {
    const body = JSON.stringify({
      task: options.task,
      payload: { text: `bench ${index}` },
      ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
    });
    return recorder.time(1, async () => {
      const answer = await post(agent, url, headers, body, timeoutMs);
      if (answer.status !== 202) throw new Error(`HTTP ${answer.status}: ${answer.body.slice(0, 200)}`);
    });
  };
  try {
    if (options.ratePerSecond) await openLoop(options.total, options.ratePerSecond, send, recorder);
    else {
      let next = 0;
      const sender = async () => {
        while (next < options.total) await send(next++);
      };
      await Promise.all(Array.from({ length: options.concurrency }, sender));
    }
  } finally {
    agent.destroy();
  }
  return recorder.result();
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
