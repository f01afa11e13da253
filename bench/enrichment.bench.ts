/**
 * Enrichment: what the offline enricher costs, and how fast issues go from POST to enriched.
 *
 * 1. In-process: the offline enricher on BENCH_ENRICH_ISSUES (default 2,000) real-style issues
 *    (test/support/issue-samples.ts, titles numbered), after the first call that loads the model; and
 *    on one issue with the largest body the API takes (64 KB).
 * 2. End to end: one child process runs the API and the worker (SERVICES=gateway,auth,jobs,enrichment);
 *    the benchmark POSTs the same number of issues to /api/v1/issues, BENCH_ENRICH_CONCURRENCY (32) at
 *    a time, and waits until every one has its summary and tags. Latency is created_at → enriched_at
 *    on Postgres's clock.
 *
 *   npm run bench:enrichment
 */
import { performance } from "node:perf_hooks";
import { offlineEnrichment } from "../shared/domains/enrichment/offline-enricher";
import { ISSUE_SAMPLES } from "../test/support/issue-samples";
import { startApiNode, stopApiNode } from "./api-node";
import { createTenant, ensureDatabase, openBenchDb, postgresVersion } from "./database";
import { describeMachine } from "./machine";
import { percentiles } from "./percentiles";
import { rabbitmqVersion } from "./rabbitmq";
import { waitUntil } from "./wait-until";
import { reportSection } from "./report-section";

const ISSUES = Number(process.env.BENCH_ENRICH_ISSUES ?? 2_000);
const CONCURRENCY = Number(process.env.BENCH_ENRICH_CONCURRENCY ?? 32);
const PORT = Number(process.env.BENCH_ENRICH_PORT ?? 3902);
const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const ADMIN_URL = process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const TIMEOUT_MS = 600_000;

const issueNumber = (index: number) => {
  const sample = ISSUE_SAMPLES[index % ISSUE_SAMPLES.length];
  return { title: `${sample.title} (#${index})`, body: sample.body };
};

/** Part 1: the enricher alone, in this process. */
function measureOffline() {
  const loadStart = performance.now();
  offlineEnrichment(ISSUE_SAMPLES[0]);
  const firstCallMs = performance.now() - loadStart;
  const durations: number[] = [];
  const started = performance.now();
  for (let index = 0; index < ISSUES; index++) {
    const before = performance.now();
    offlineEnrichment(issueNumber(index));
    durations.push(performance.now() - before);
  }
  const perSecond = ISSUES / ((performance.now() - started) / 1_000);
  let largeBody = "";
  for (let index = 0; Buffer.byteLength(largeBody) < 64 * 1024 - 2_000; index++) largeBody += `${ISSUE_SAMPLES[index % ISSUE_SAMPLES.length].body}\n\n`;
  const largeStart = performance.now();
  offlineEnrichment({ title: "A long issue", body: largeBody });
  return { firstCallMs, spread: percentiles(durations), perSecond, largeMs: performance.now() - largeStart, largeBytes: Buffer.byteLength(largeBody) };
}

async function main(): Promise<void> {
  const offline = measureOffline();
  const ms = (value: number) => value.toFixed(value < 10 ? 2 : 0);
  process.stdout.write(`offline: ${offline.perSecond.toFixed(0)} issues/s, p50 ${ms(offline.spread.p50)} ms, p99 ${ms(offline.spread.p99)} ms\n`);

  const databaseUrl = await ensureDatabase(ADMIN_URL, process.env.BENCH_DATABASE ?? "conveyor_bench");
  const db = await openBenchDb(databaseUrl);
  const prefix = `conveyor_bench_enrichment_${Date.now().toString(36)}`;
  const nodeId = `bench-enrichment-${process.pid}`;
  const node = await startApiNode({ services: "gateway,auth,jobs,enrichment", databaseUrl, prefix, nodeId, port: PORT });
  try {
    const { organizationId, apiKey } = await createTenant(db, "enrichment");
    const machine = describeMachine({ postgres: await postgresVersion(db), rabbitmq: await rabbitmqVersion(AMQP_URL) });
    node.startSampling();

    const postStart = performance.now();
    let next = 0;
    const sender = async () => {
      while (next < ISSUES) {
        const response = await fetch(`http://127.0.0.1:${PORT}/api/v1/issues`, {
          method: "POST",
          headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
          body: JSON.stringify(issueNumber(next++)),
        });
        if (response.status !== 201) throw new Error(`HTTP ${response.status}: ${(await response.text()).slice(0, 200)}`);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, sender));
    const postSeconds = (performance.now() - postStart) / 1_000;

    const enriched = async () => {
      const [{ count }] = await db("issues").where({ organization_id: organizationId, enriched_version: 1 }).count<{ count: string }[]>("* as count");
      return Number(count) >= ISSUES;
    };
    await waitUntil(enriched, `${ISSUES} issues to be enriched`, TIMEOUT_MS);
    const { rows } = await db.raw<{ rows: { latency_ms: number; created_at: Date; enriched_at: Date }[] }>(
      `SELECT EXTRACT(EPOCH FROM enriched_at - created_at)::float8 * 1000 AS latency_ms, created_at, enriched_at
       FROM issues WHERE organization_id = ?`,
      [organizationId],
    );
    const first = Math.min(...rows.map((row) => row.created_at.getTime()));
    const last = Math.max(...rows.map((row) => row.enriched_at.getTime()));
    const endToEnd = percentiles(rows.map((row) => row.latency_ms));
    const memory = node.memory();

    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
    reportSection("enrichment", "bench:enrichment", machine, [
      `- Offline enricher alone (one thread, the benchmark process): first call ${ms(offline.firstCallMs)} ms (loads wink-nlp's model); then ${ISSUES.toLocaleString("en-US")} real-style issues (1–2 KB of markdown each) at ${offline.perSecond.toFixed(0)} issues/s, p50 ${ms(offline.spread.p50)} ms, p99 ${ms(offline.spread.p99)} ms, max ${ms(offline.spread.max)} ms; one ${(offline.largeBytes / 1024).toFixed(0)} KB body (the API's limit is 64 KB) ${ms(offline.largeMs)} ms`,
      `- End to end: one process with the API and the worker (SERVICES=gateway,auth,jobs,enrichment, offline enricher); ${ISSUES.toLocaleString("en-US")} issues POSTed ${CONCURRENCY} at a time: ${(ISSUES / postSeconds).toFixed(0)} creates/s (201 with the enrichment job); all enriched ${((last - first) / 1_000).toFixed(1)} s after the first was created (${(ISSUES / ((last - first) / 1_000)).toFixed(0)} issues/s, creation included)`,
      `- created → enriched: p50 ${endToEnd.p50.toFixed(0)} ms, p95 ${endToEnd.p95.toFixed(0)} ms, p99 ${endToEnd.p99.toFixed(0)} ms, max ${endToEnd.max.toFixed(0)} ms (under load: the worker shares the process and its CPU with the API)`,
      `- Process RSS: idle ${mib(memory.idleRss)}, peak (VmHWM) ${mib(memory.peakRss)}`,
    ]);
  } finally {
    await stopApiNode(node, AMQP_URL, prefix, nodeId);
    await db.destroy();
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
