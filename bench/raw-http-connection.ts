import net from "node:net";

export interface RawResponse {
  status: number;
  body: string;
}

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * One keep-alive HTTP/1.1 connection that sends pre-built POST requests and reads answers with a
 * minimal parser (status line, Content-Length, body), one request at a time. The load generator's
 * own cost per request is then a fraction of Node's http client's (agent, header objects, streams),
 * so the bench measures the gateway rather than the client. Answers must carry Content-Length, as
 * moleculer-web's JSON answers do.
 */
export class RawHttpConnection {
  private readonly socket: net.Socket;
  private readonly connected: Promise<void>;
  private buffered: Buffer = Buffer.alloc(0);
  private pending: { resolve(response: RawResponse): void; reject(error: Error): void; timer: NodeJS.Timeout } | undefined;
  private failure: Error | undefined;

  constructor(
    url: URL,
    private readonly timeoutMs: number,
  ) {
    this.socket = net.connect({ host: url.hostname, port: Number(url.port || 80), noDelay: true });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
    this.socket.on("data", (chunk: Buffer) => this.receive(chunk));
    this.socket.on("error", (error) => this.fail(error));
    this.socket.on("close", () => this.fail(new Error("connection closed by the server")));
  }

  ready(): Promise<void> {
    return this.connected;
  }

  /** False once the connection failed or the server closed it (as it does to one idle past its keep-alive timeout). */
  get usable(): boolean {
    return this.failure === undefined;
  }

  /** Sends one request (head + body, already serialised) and resolves with its answer. */
  send(request: Buffer): Promise<RawResponse> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.pending) return Promise.reject(new Error("one request at a time on a connection"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      this.pending = { resolve, reject, timer };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const headEnd = this.buffered.indexOf(HEADER_END);
    if (headEnd < 0) return;
    const head = this.buffered.toString("latin1", 0, headEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(new Error(`answer without Content-Length: ${head.slice(0, 200)}`));
    const bodyStart = headEnd + HEADER_END.length;
    const bodyEnd = bodyStart + Number(length[1]);
    if (this.buffered.length < bodyEnd) return;
    const response = { status: Number(head.slice(9, 12)), body: this.buffered.toString("utf8", bodyStart, bodyEnd) };
    this.buffered = this.buffered.subarray(bodyEnd);
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.resolve(response);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.socket.destroy();
  }
}

/** A POST of a JSON body as raw bytes, for RawHttpConnection.send. */
export function jsonPost(url: URL, headers: Record<string, string>, body: string): Buffer {
  const bytes = Buffer.from(body, "utf8");
  const lines = [`POST ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, "Connection: keep-alive", "Content-Type: application/json", `Content-Length: ${bytes.length}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1"), bytes]);
}
