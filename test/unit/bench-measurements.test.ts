import http from "node:http";
import type { AddressInfo } from "node:net";
import { cpuDelta, CpuSnapshot } from "../../bench/proc-stats";
import { jsonPost, RawHttpConnection } from "../../bench/raw-http-connection";

/** The benchmark's own measuring tools: wrong figures here would mislead every BENCHMARKS.md section. */
describe("cpuDelta", () => {
  const entry = (group: string, seconds: number, reaped = 0, ppid = 1) => ({ group, seconds, reaped, ppid });

  it("counts each group's processes from their first reading, and new ones from zero", () => {
    const before: CpuSnapshot = new Map([[10, entry("worker", 5)]]);
    const after: CpuSnapshot = new Map([
      [10, entry("worker", 7)],
      [11, entry("worker", 0.5)],
    ]);
    expect(cpuDelta(before, after)).toEqual({ worker: 2.5 });
  });

  it("counts a child that exited in between through its parent's reaped time, less what it had used before", () => {
    // A Postgres backend (pid 21) used 1 s before the first reading and 0.5 s more before it exited;
    // the postmaster (pid 20) waited for it, so its reaped time grew by the backend's whole 1.5 s.
    const before: CpuSnapshot = new Map([
      [20, entry("postgres", 2, 0)],
      [21, entry("postgres", 1, 0, 20)],
    ]);
    const after: CpuSnapshot = new Map([[20, entry("postgres", 2.25, 1.5)]]);
    expect(cpuDelta(before, after).postgres).toBeCloseTo(0.75);
  });
});

describe("RawHttpConnection", () => {
  let server: http.Server;
  let base: URL;
  const seen: { method?: string; url?: string; authorization?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        seen.push({ method: request.method, url: request.url, authorization: request.headers.authorization, body });
        const answer = JSON.stringify({ echoed: JSON.parse(body), note: "ünïcode" });
        response.writeHead(body.includes("refuse") ? 422 : 202, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(answer) });
        response.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/jobs`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends requests one after another on one keep-alive connection and reads status and body", async () => {
    const connection = new RawHttpConnection(base, 5_000);
    await connection.ready();
    const first = await connection.send(jsonPost(base, { Authorization: "Bearer k" }, JSON.stringify({ n: 1 })));
    const second = await connection.send(jsonPost(base, {}, JSON.stringify({ n: 2, refuse: true })));
    connection.close();
    expect(first).toEqual({ status: 202, body: JSON.stringify({ echoed: { n: 1 }, note: "ünïcode" }) });
    expect(second.status).toBe(422);
    expect(seen.slice(-2)).toEqual([
      { method: "POST", url: "/api/v1/jobs", authorization: "Bearer k", body: '{"n":1}' },
      { method: "POST", url: "/api/v1/jobs", authorization: undefined, body: '{"n":2,"refuse":true}' },
    ]);
  });

  it("is no longer usable once the server closes it, and says why on the next send", async () => {
    const connection = new RawHttpConnection(base, 5_000);
    await connection.ready();
    expect(connection.usable).toBe(true);
    server.closeAllConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(connection.usable).toBe(false);
    await expect(connection.send(jsonPost(base, {}, "{}"))).rejects.toThrow(/closed/);
  });
});
