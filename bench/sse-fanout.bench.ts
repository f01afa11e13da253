/**
 * SSE fan-out: BENCH_SSE_CLIENTS (default 1,000) concurrent event-stream clients of one organization
 * on one gateway, while BENCH_SSE_JOBS (default 200) jobs run. Reports, per delivered `succeeded`
 * event, the time from the job's commit (finished_at) to its receipt by a client (p50/p95/p99), and the
 * gateway process's RSS. The gateway, notifier, jobs and a demo worker run in one child process
 * (`npm start` with SERVICES=gateway,auth,jobs,notifier,demo), measured apart from the clients.
 *
 *   npm run bench:sse
 */
import { topologyQueueNames } from "../shared/engine/queue/topology";
import http from "node:http";
import { percentiles } from "./percentiles";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { memoryStatus } from "./proc-stats";
import { deleteQueues, rabbitmqVersion } from "./rabbitmq";
import { WorkerProcess } from "./worker-process";
import { waitUntil } from "./wait-until";
import { reportSection } from "./report-section";

const CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 1_000);
const JOBS = Number(process.env.BENCH_SSE_JOBS ?? 200);
const PORT = Number(process.env.BENCH_SSE_PORT ?? 3901);
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TIMEOUT_MS = 5 * 60_000;
const JOB_MARKER = '"job":{"id":"';

/** One SSE connection that notes when each job's `succeeded` event arrives. */
function openClient(apiKey: string, received: Map<string, number[]>, agent: http.Agent): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: "127.0.0.1", port: PORT, path: "/api/v1/jobs/stream", agent, headers: { accept: "text/event-stream", authorization: `Bearer ${apiKey}` } },
      (response) => {
        if (response.statusCode !== 200) return reject(new Error(`stream answered ${response.statusCode}`));
        let buffered = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          const now = Date.now();
          buffered += chunk;
          let end: number;
          while ((end = buffered.indexOf("\n\n")) >= 0) {
            const message = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            if (!message.includes("\nevent: succeeded\n")) continue;
            const at = message.indexOf(JOB_MARKER) + JOB_MARKER.length;
            const jobId = message.slice(at, at + 36);
            const times = received.get(jobId) ?? [];
            times.push(now);
            received.set(jobId, times);
          }
        });
        resolve(request);
      },
    );
    request.on("error", reject);
  });
}

async function main(): Promise<void> {
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const prefix = `conveyor_bench_sse_${Date.now().toString(36)}`;
  const node = new WorkerProcess({
    SERVICES: "gateway,auth,jobs,notifier,demo",
    DATABASE_URL: databaseUrl,
    QUEUE_PREFIX: prefix,
    PORT: String(PORT),
    METRICS_PORT: "0",
    LOG_LEVEL: "warn",
    NODE_ID: `bench-sse-${process.pid}`,
  });
  const clients: http.ClientRequest[] = [];
  try {
    const { organizationId, apiKey } = await createTenant(db, "sse");
    await waitUntil(async () => (await fetch(`http://127.0.0.1:${PORT}/ready`).catch(() => undefined))?.ok === true, "the gateway", 60_000);
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(AMQP_URL) });
    node.startSampling();

    const received = new Map<string, number[]>();
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    for (let i = 0; i < CLIENTS; i++) clients.push(await openClient(apiKey, received, agent));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const rssWithClients = memoryStatus(node.pid)?.rss ?? NaN;

    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const response = await fetch(`http://127.0.0.1:${PORT}/api/v1/jobs`, {
        method: "POST",
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        body: JSON.stringify({ task: "demo.echo", payload: { text: `sse ${i}` } }),
      });
      ids.push(((await response.json()) as { id: string }).id);
      await new Promise((resolve) => setTimeout(resolve, 10)); // a steady stream, not one burst
    }
    await waitUntil(() => ids.every((id) => (received.get(id)?.length ?? 0) >= CLIENTS), "every client to see every job", TIMEOUT_MS);

    const rows = await db("jobs").where("organization_id", organizationId).select<{ id: string; finished_at: Date }[]>("id", "finished_at");
    const latencies: number[] = [];
    for (const row of rows) for (const at of received.get(row.id) ?? []) latencies.push(at - row.finished_at.getTime());
    const memory = node.memory();
    const spread = percentiles(latencies);
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    reportSection("SSE fan-out", "bench:sse", machine, [
      `- Setup: ${CLIENTS} SSE clients of one organization on one gateway; ${JOBS} demo.echo jobs POSTed one every ~10 ms; gateway, notifier, jobs and the demo worker in one child process (SERVICES=gateway,auth,jobs,notifier,demo); the clients in the benchmark process`,
      `- Deliveries measured: ${latencies.length} \`succeeded\` events (${JOBS} jobs × ${CLIENTS} clients)`,
      `- Commit (finished_at) → receipt: p50 ${spread.p50.toFixed(0)} ms, p95 ${spread.p95.toFixed(0)} ms, p99 ${spread.p99.toFixed(0)} ms, max ${spread.max.toFixed(0)} ms`,
      `- Gateway process RSS: idle ${mib(memory.idleRss)}, with ${CLIENTS} clients connected ${mib(rssWithClients)}, peak (VmHWM) ${mib(memory.peakRss)}`,
    ]);
  } finally {
    for (const client of clients) client.destroy();
    await node.stop();
    await deleteQueues(AMQP_URL, [...topologyQueueNames(prefix, "default"), ...topologyQueueNames(prefix, "webhooks")]).catch(() => 0);
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
