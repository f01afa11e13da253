/**
 * Ingestion: 1,000,000 CSV rows (BENCH_INGEST_ROWS) through the real pipeline: POST /ingestion/jobs
 * with the file provider → a `datasync.ingest` job through RabbitMQ → the worker streams the file
 * (fs → csv-parse → filters) and commits each 1,000 rows in one transaction (one upsert statement and
 * the run's counts and checkpoint).
 *
 * One child process runs the API and the worker (SERVICES=gateway,auth,jobs,ingestion), started as
 * `npm start` starts a node, so its memory is its own: idle RSS, sampled peak and the kernel's VmHWM.
 * The CSV is generated (streamed) into a temporary directory that is the child's UPLOAD_DIR. Two runs
 * over the same file: the first inserts every record, the second finds them all and updates them.
 *
 *   npm run bench:ingestion
 */
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Db } from "../shared/db/knex";
import { organizationUploadDir } from "../shared/domains/ingestion/upload-path";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { startApiNode, stopApiNode } from "./api-node";
import { rabbitmqVersion } from "./rabbitmq";
import { waitUntil } from "./wait-until";
import { reportSection } from "./report-section";

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const PORT = Number(process.env.BENCH_INGEST_PORT ?? 3903);
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TIMEOUT_MS = 900_000;
const STATUSES = ["open", "paid", "refunded", "cancelled"];

const mib = (bytes: number) => Math.round(bytes / 2 ** 20);

async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  out.write("id,name,email,status,amount,createdAt\n");
  for (let n = 1; n <= rows; n++) {
    const day = new Date(Date.UTC(2024, 0, 1) + (n % 366) * 86_400_000).toISOString();
    const line = `order-${n},"Customer ${n}, Ltd",customer${n}@example.com,${STATUSES[n % 4]},${(n % 10_000) / 100},${day}\n`;
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

interface Measured {
  label: string;
  /** POST to the run's success. */
  seconds: number;
  /** The job's first start to its finish, on Postgres's clock. */
  jobSeconds: number;
  rowsPerSecond: number;
}

async function ingestOnce(db: Db, apiKey: string, organizationId: string, label: string): Promise<Measured> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${PORT}/api/v1/ingestion/jobs`, {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ provider: "file", options: { path: "orders.csv" } }),
  });
  if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
  const { id } = (await response.json()) as { id: string };
  const run = () => db("ingestion_runs").where({ id, organization_id: organizationId }).first();
  await waitUntil(async () => (await run()).status !== "running", `run ${id}`, TIMEOUT_MS, 200);
  const seconds = (performance.now() - started) / 1000;
  const row = await run();
  if (row.status !== "success" || Number(row.records_written) !== ROWS) throw new Error(`${label}: ${JSON.stringify(row)}`);
  const { rows } = await db.raw<{ rows: { seconds: number }[] }>(
    "SELECT EXTRACT(EPOCH FROM finished_at - started_at)::float8 AS seconds FROM jobs WHERE id = ?",
    [row.job_id],
  );
  return { label, seconds, jobSeconds: rows[0].seconds, rowsPerSecond: Math.round(ROWS / rows[0].seconds) };
}

async function main(): Promise<void> {
  const uploadDir = mkdtempSync(path.join(tmpdir(), "conveyor-bench-ingestion-"));
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const prefix = `conveyor_bench_ingestion_${Date.now().toString(36)}`;
  const nodeId = `bench-ingestion-${process.pid}`;
  const node = await startApiNode({
    services: "gateway,auth,jobs,ingestion",
    databaseUrl,
    prefix,
    nodeId,
    port: PORT,
    env: { UPLOAD_DIR: uploadDir },
  });
  try {
    const { organizationId, apiKey } = await createTenant(db, "ingestion");
    // The file provider reads the organization's own folder of UPLOAD_DIR.
    const folder = organizationUploadDir(uploadDir, organizationId);
    mkdirSync(folder, { recursive: true });
    const csv = path.join(folder, "orders.csv");
    await writeCsv(csv, ROWS);
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(AMQP_URL) });
    node.startSampling();
    const runs = [await ingestOnce(db, apiKey, organizationId, "first run (inserts)"), await ingestOnce(db, apiKey, organizationId, "second run (updates)")];
    const memory = node.memory();
    const [{ count }] = await db("ingested_records").where({ organization_id: organizationId }).count<{ count: string }[]>("* as count");
    if (Number(count) !== ROWS) throw new Error(`expected ${ROWS} records, found ${count}`);
    // The tenant's records go with it, so the next run starts from the same tables.
    await db("organizations").where({ id: organizationId }).delete();

    reportSection("ingestion", "bench:ingestion", machine, [
      `- Input: ${ROWS.toLocaleString("en")} CSV rows, ${mib(statSync(csv).size)} MiB, file provider, batches of 1,000 rows; one process with the API and the worker (SERVICES=gateway,auth,jobs,ingestion); records stored afterwards: ${Number(count).toLocaleString("en")}`,
      "",
      "| run | POST → success (s) | job start → finish (s) | rows/s |",
      "| --- | ---: | ---: | ---: |",
      ...runs.map((run) => `| ${run.label} | ${run.seconds.toFixed(1)} | ${run.jobSeconds.toFixed(1)} | ${run.rowsPerSecond.toLocaleString("en")} |`),
      "",
      `- Process RSS: idle ${mib(memory.idleRss)} MiB, sampled peak while ingesting ${mib(memory.sampledPeakRss)} MiB, VmHWM ${mib(memory.peakRss)} MiB`,
    ]);
  } finally {
    await stopApiNode(node, AMQP_URL, prefix, nodeId);
    await db.destroy();
    rmSync(uploadDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
