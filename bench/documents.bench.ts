/**
 * Documents: how fast the document pipeline processes a 50 MB text file (extract, chunk, embed with
 * the offline embedder, store chunks and vectors in Postgres in one transaction), and the peak
 * resident memory of the process doing it.
 *
 * It runs `runDocumentPipeline` with `storeChunks`, exactly what the `documents.process` task runs,
 * in this process against the benchmark database, without RabbitMQ (the job around it adds a claim
 * and a few progress rows, nothing per byte). The file is generated first (streamed, so it does not
 * count towards the peak): sentences of words drawn from a 5,000-word vocabulary by a seeded PRNG.
 * Peak RSS is the process's high-water mark (getrusage maxrss), measured before and after.
 *
 *   npm run bench:documents            (BENCH_DOCUMENTS_MB=50, BENCH_DOCUMENTS_CHUNK_SIZE=500)
 */
import { appendFileSync, createWriteStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { insertDocument } from "../shared/db/documents/insert-document";
import { storeChunks } from "../shared/db/documents/store-chunks";
import { runDocumentPipeline } from "../shared/documents/document-pipeline";
import { hashedEmbedder } from "../shared/documents/hashed-embedder";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine, gitRevision } from "./machine";
import { memoryStatus } from "./proc-stats";

const SIZE_MB = Number(process.env.BENCH_DOCUMENTS_MB ?? 50);
const CHUNK_SIZE = Number(process.env.BENCH_DOCUMENTS_CHUNK_SIZE ?? 500);
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const REPORT_FILE = process.env.BENCH_REPORT_FILE ?? path.resolve(__dirname, "../BENCHMARKS.md");

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

async function main(): Promise<void> {
  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const work = mkdtempSync(path.join(tmpdir(), "conveyor-bench-documents-"));
  const file = path.join(work, "large.txt");
  try {
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: "not used" });
    await writeTextFile(file, SIZE_MB * 1024 * 1024);
    const size = statSync(file).size;
    const { organizationId } = await createTenant(db, "documents");
    const overlap = Math.floor(CHUNK_SIZE / 10);
    const document = await insertDocument(db, organizationId, {
      filename: "large.txt",
      contentType: "text/plain",
      sizeBytes: size,
      storedPath: file,
      chunkSize: CHUNK_SIZE,
      overlap,
    });
    const rssBefore = memoryStatus(process.pid)?.rss ?? NaN;
    const peakBefore = process.resourceUsage().maxRSS * 1024;
    const stages: { step: string; at: number }[] = [];
    const started = Date.now();
    const { chunkCount } = await runDocumentPipeline(
      { storedPath: file, contentType: "text/plain", chunkSize: CHUNK_SIZE, overlap },
      hashedEmbedder,
      {
        signal: new AbortController().signal,
        progress: async (_percent, step) => {
          stages.push({ step, at: Date.now() });
        },
        store: (chunks) => storeChunks(db, organizationId, document.id, hashedEmbedder.name, chunks, () => undefined),
      },
    );
    const processMs = Date.now() - started;
    const peakRss = process.resourceUsage().maxRSS * 1024;
    const stageTimes = stages.slice(0, -1).map((stage, index) => `${stage.step} ${seconds(stages[index + 1].at - stage.at)} s`);

    const lines = [
      `## ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC — documents`,
      "",
      "- Command: `npm run bench:documents`",
      `- Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM; load average ${machine.loadAverage} at the start; Node ${machine.node}, PostgreSQL ${machine.postgres}; Conveyor ${gitRevision()}`,
      `- Setup: the \`documents.process\` pipeline (runDocumentPipeline + storeChunks) in the benchmark process, without RabbitMQ; a generated ${mib(size)} MiB UTF-8 text file (seeded sentences over a 5,000-word vocabulary); chunkSize ${CHUNK_SIZE}, overlap ${overlap}; offline embedder (${hashedEmbedder.name}); chunks and vectors stored in one transaction`,
      `- Processing: ${seconds(processMs)} s, **${(size / 1024 / 1024 / (processMs / 1000)).toFixed(2)} MiB/s**; ${chunkCount.toLocaleString("en-US")} chunks; stages: ${stageTimes.join(", ")}`,
      `- Process memory: RSS ${mib(rssBefore)} MiB before, peak RSS (maxrss) ${mib(peakBefore)} MiB before and **${mib(peakRss)} MiB during processing**`,
      "",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (REPORT_FILE) appendFileSync(REPORT_FILE, `\n${lines.join("\n")}`);
  } finally {
    await db.raw("DELETE FROM documents WHERE filename = 'large.txt'").catch(() => undefined);
    await db.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
