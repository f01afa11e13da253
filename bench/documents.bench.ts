/**
 * Documents: how fast a 50 MB text file goes through the real pipeline, and the worker's peak memory.
 * The file is POSTed to /api/v1/documents (multipart, streamed to UPLOAD_DIR) → a `documents.process`
 * job through RabbitMQ → the worker extracts, chunks, embeds with the offline embedder and stores
 * chunks and vectors in Postgres in one transaction.
 *
 * One child process runs the API and the worker (SERVICES=gateway,auth,jobs,documents), started as
 * `npm start` starts a node, so its memory is its own: idle RSS, sampled peak and the kernel's VmHWM.
 * The file is generated first (streamed): sentences of words drawn from a 5,000-word vocabulary by a
 * seeded PRNG, so every run processes the same text.
 *
 *   npm run bench:documents            (BENCH_DOCUMENTS_MB=50, BENCH_DOCUMENTS_CHUNK_SIZE=500)
 */
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Db } from "../shared/db/knex";
import { startApiNode, stopApiNode } from "./api-node";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { rabbitmqVersion } from "./rabbitmq";
import { waitUntil } from "./wait-until";
import { reportSection } from "./report-section";

const SIZE_MB = Number(process.env.BENCH_DOCUMENTS_MB ?? 50);
const CHUNK_SIZE = Number(process.env.BENCH_DOCUMENTS_CHUNK_SIZE ?? 500);
const PORT = Number(process.env.BENCH_DOCUMENTS_PORT ?? 3904);
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const TIMEOUT_MS = 900_000;
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** mulberry32: a tiny seeded PRNG, so every run processes the same text. */
function prng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeTextFile(file: string, bytes: number): Promise<void> {
  const random = prng(42);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const vocabulary = Array.from({ length: 5_000 }, () =>
    Array.from({ length: 3 + Math.floor(random() * 8) }, () => letters[Math.floor(random() * 26)]).join(""),
  );
  const out = createWriteStream(file);
  let written = 0;
  while (written < bytes) {
    const sentences: string[] = [];
    for (let index = 0; index < 200; index++) {
      const words = Array.from({ length: 6 + Math.floor(random() * 14) }, () => vocabulary[Math.floor(random() * vocabulary.length)]);
      sentences.push(`${words.join(" ")}.`);
    }
    const paragraph = `${sentences.join(" ")}\n\n`.slice(0, bytes - written);
    written += Buffer.byteLength(paragraph);
    if (!out.write(paragraph)) await once(out, "drain");
  }
  out.end();
  await once(out, "close");
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

interface JobTimes {
  status: string;
  queuedToFinishMs: number;
  runMs: number;
  attempts: number;
}

async function jobTimes(db: Db, jobId: string): Promise<JobTimes> {
  const { rows } = await db.raw<{ rows: { status: string; queued_ms: number; run_ms: number; attempts: number }[] }>(
    `SELECT status, attempts,
            EXTRACT(EPOCH FROM finished_at - created_at) * 1000 AS queued_ms,
            EXTRACT(EPOCH FROM finished_at - started_at) * 1000 AS run_ms
     FROM jobs WHERE id = ?`,
    [jobId],
  );
  const [row] = rows;
  return { status: row.status, queuedToFinishMs: Number(row.queued_ms), runMs: Number(row.run_ms), attempts: row.attempts };
}

async function main(): Promise<void> {
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const work = mkdtempSync(path.join(tmpdir(), "conveyor-bench-documents-"));
  const uploadDir = path.join(work, "uploads");
  mkdirSync(uploadDir);
  const file = path.join(work, "large.txt");
  const prefix = `conveyor_bench_documents_${Date.now().toString(36)}`;
  const nodeId = `bench-documents-${process.pid}`;
  await writeTextFile(file, SIZE_MB * 1024 * 1024);
  const size = statSync(file).size;
  const node = await startApiNode({
    services: "gateway,auth,jobs,documents",
    databaseUrl,
    prefix,
    nodeId,
    port: PORT,
    env: { UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: String(size + 1024 * 1024), EMBEDDER: "offline" },
  });
  try {
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(AMQP_URL) });
    const { organizationId, apiKey } = await createTenant(db, "documents");
    const overlap = Math.floor(CHUNK_SIZE / 10);
    node.startSampling();
    const form = new FormData();
    form.set("chunkSize", String(CHUNK_SIZE));
    form.set("overlap", String(overlap));
    form.set("file", new Blob([readFileSync(file)], { type: "text/plain" }), "large.txt");
    const started = Date.now();
    const response = await fetch(`http://127.0.0.1:${PORT}/api/v1/documents`, { method: "POST", headers: { authorization: `Bearer ${apiKey}` }, body: form });
    if (response.status !== 202) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 300)}`);
    const uploadMs = Date.now() - started;
    const document = (await response.json()) as { id: string; job: { id: string } };
    const row = () => db("documents").where({ id: document.id }).first<{ status: string; chunk_count: number; error: string | null }>();
    await waitUntil(async () => ["ready", "failed", "cancelled"].includes((await row()).status), "the document to be processed", TIMEOUT_MS, 200);
    const totalMs = Date.now() - started;
    const memory = node.memory();
    const { status, chunk_count: chunkCount, error } = await row();
    if (status !== "ready") throw new Error(`document ${status}: ${error}`);
    const job = await jobTimes(db, document.job.id);
    // The tenant's documents and chunks go with it, so the next run starts from the same tables.
    await db("organizations").where({ id: organizationId }).delete();

    reportSection("documents", "bench:documents", machine, [
      `- Input: a generated ${mib(size)} MiB UTF-8 text file (seeded sentences over a 5,000-word vocabulary) POSTed to /api/v1/documents; chunkSize ${CHUNK_SIZE}, overlap ${overlap}; offline embedder; one process with the API and the worker (SERVICES=gateway,auth,jobs,documents)`,
      `- Upload (streamed to UPLOAD_DIR, 202): ${seconds(uploadMs)} s; the job's attempt: ${seconds(job.runMs)} s, **${(size / 1024 / 1024 / (job.runMs / 1000)).toFixed(2)} MiB/s**; POST → document ready: ${seconds(totalMs)} s; ${chunkCount.toLocaleString("en-US")} chunks; attempts ${job.attempts}`,
      `- Process RSS: idle ${mib(memory.idleRss)} MiB, sampled peak ${mib(memory.sampledPeakRss)} MiB, VmHWM **${mib(memory.peakRss)} MiB**`,
    ]);
  } finally {
    await stopApiNode(node, AMQP_URL, prefix, nodeId);
    await db.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
