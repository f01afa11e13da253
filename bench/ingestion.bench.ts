/**
 * Ingestion: 1,000,000 CSV rows (BENCH_INGEST_ROWS) through the file provider into ingested_records.
 *
 * The CSV is generated into a temporary directory (streamed, never held whole) which serves as
 * UPLOAD_DIR. The run goes through the same code the `datasync.ingest` task calls (runIngestion:
 * stream → csv-parse → filter → one upsert statement and one checkpoint update per 1,000-row
 * transaction) in this process, without the job pipeline around it: one job message is not what
 * costs time here, and it keeps the peak RSS the ingestion's own. Two runs over the same file:
 * the first inserts every record, the second finds them all and updates them (no duplicates).
 *
 *   npm run bench:ingestion
 */
import { createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { appendFileSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { findRun } from "../shared/db/ingestion/find-runs";
import { insertRun } from "../shared/db/ingestion/insert-run";
import { finishRun } from "../shared/db/ingestion/finish-run";
import type { Db } from "../shared/db/knex";
import { ingestionProviders } from "../shared/ingestion/providers";
import { runIngestion } from "../shared/ingestion/run-ingestion";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine, gitRevision } from "./machine";

const ROWS = Number(process.env.BENCH_INGEST_ROWS ?? 1_000_000);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REPORT_FILE = process.env.BENCH_REPORT_FILE ?? path.resolve(__dirname, "../BENCHMARKS.md");
const STATUSES = ["open", "paid", "refunded", "cancelled"];

/** Peak resident set size of this process so far, in MiB (resourceUsage reports KiB). */
const peakRssMiB = () => Math.round(process.resourceUsage().maxRSS / 1024);

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
  seconds: number;
  written: number;
  rowsPerSecond: number;
  peakRssMiB: number;
}

async function ingestOnce(db: Db, uploadDir: string, organizationId: string, label: string): Promise<Measured> {
  const providers = ingestionProviders({ uploadDir });
  const file = providers.get("file");
  if (!file) throw new Error("no file provider");
  const options = file.options.parse({ path: "orders.csv" });
  const created = await insertRun(db, organizationId, { provider: "file", source: file.source(options), filters: {}, options });
  const run = await findRun(db, organizationId, created.id);
  if (!run) throw new Error("run vanished");
  const started = performance.now();
  const counts = await runIngestion(db, providers, run, { signal: new AbortController().signal, progress: async () => undefined });
  const seconds = (performance.now() - started) / 1000;
  await finishRun(db, organizationId, run.id, { status: "success" });
  if (counts.written !== ROWS) throw new Error(`${label}: wrote ${counts.written} of ${ROWS}`);
  return { label, seconds, written: counts.written, rowsPerSecond: Math.round(counts.written / seconds), peakRssMiB: peakRssMiB() };
}

async function main(): Promise<void> {
  const uploadDir = mkdtempSync(path.join(tmpdir(), "conveyor-bench-ingestion-"));
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  try {
    const csv = path.join(uploadDir, "orders.csv");
    await writeCsv(csv, ROWS);
    const fileMiB = Math.round(statSync(csv).size / 2 ** 20);
    const rssBefore = peakRssMiB();
    const { organizationId } = await createTenant(db, "ingestion");
    const runs = [await ingestOnce(db, uploadDir, organizationId, "first run (inserts)"), await ingestOnce(db, uploadDir, organizationId, "second run (updates)")];
    const { rows } = await db.raw<{ rows: { count: string }[] }>("SELECT count(*) FROM ingested_records WHERE organization_id = ?", [organizationId]);
    const stored = Number(rows[0].count);
    if (stored !== ROWS) throw new Error(`expected ${ROWS} records, found ${stored}`);
    // The tenant's records go with it, so the next run starts from the same tables.
    await db("organizations").where({ id: organizationId }).delete();

    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: "not used" });
    const lines = [
      `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC — ingestion`,
      "",
      `\`npm run bench:ingestion\`: ${ROWS.toLocaleString("en")} CSV rows (${fileMiB} MiB) through the file provider into ingested_records, batches of 1,000 rows; records stored afterwards: ${stored.toLocaleString("en")}.`,
      "",
      "| run | seconds | rows/s | peak RSS (MiB) |",
      "| --- | ---: | ---: | ---: |",
      ...runs.map((run) => `| ${run.label} | ${run.seconds.toFixed(1)} | ${run.rowsPerSecond.toLocaleString("en")} | ${run.peakRssMiB} |`),
      "",
      `- Peak RSS before ingesting (after generating the file): ${rssBefore} MiB.`,
      `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM; load average ${machine.loadAverage} at the start; Node ${machine.node}, PostgreSQL ${machine.postgres}; Conveyor ${gitRevision()}`,
      "",
    ];
    console.log(lines.join("\n"));
    if (REPORT_FILE) appendFileSync(REPORT_FILE, `\n${lines.join("\n")}`);
  } finally {
    await db.destroy();
    rmSync(uploadDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
