/**
 * The job path's statements alone: Postgres's CPU for inserting, claiming and finishing jobs with
 * Conveyor's own repository functions, one connection, one statement at a time, nothing else
 * running. Far steadier than `npm run bench` (which shares two cores between five processes), so a
 * change to a statement or an index can be compared in minutes.
 *
 * Each round empties the job tables, inserts BENCH_SQL_JOBS jobs (default 20,000) 1,000 a
 * statement, then claims and finishes them BENCH_SQL_BATCH (default 100) at a time, claim then
 * finish as a worker does. The CPU is the backend's own, read from /proc/<pid>/stat, so Postgres must
 * run on this machine. The best of BENCH_SQL_ROUNDS rounds (default 3) is printed per phase.
 *
 *   npm run bench:sql
 */
import { readFileSync } from "node:fs";
import { ClaimedJob, claimJobs } from "../shared/db/jobs/claim-jobs";
import { finishJobs } from "../shared/db/jobs/finish-jobs";
import { insertJobs, plainJob } from "../shared/db/jobs/insert-jobs";
import { createDb } from "../shared/db/knex";
import { createTenant, ensureDatabase, openBenchDb, resetJobTables } from "./database";

const JOBS = Number(process.env.BENCH_SQL_JOBS ?? 20_000);
const BATCH = Number(process.env.BENCH_SQL_BATCH ?? 100);
const ROUNDS = Number(process.env.BENCH_SQL_ROUNDS ?? 3);
const INSERT_BATCH = 1_000;
const CLAIM = { leaseMs: 15_000, maxInterruptions: 3, workerId: "bench-sql", keyed: false, fairShares: {} };

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}


async function main(): Promise<void> {
  const url = await ensureDatabase(process.env.BENCH_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", process.env.BENCH_DATABASE ?? "conveyor_bench");
  const setup = await openBenchDb(url);
  // One connection for the statements, so its backend's CPU is theirs.
  const db = createDb(url, 1);
  try {
    const best = { insert: Infinity, claim: Infinity, finish: Infinity };
    for (let round = 1; round <= ROUNDS; round++) {
      await resetJobTables(setup, 0);
      const { organizationId } = await createTenant(setup, "sql");
      const pid = (await db.raw<{ rows: { pid: number }[] }>("SELECT pg_backend_pid() AS pid")).rows[0].pid;
      const spent = { insert: 0, claim: 0, finish: 0 };
      const measure = async <T>(phase: keyof typeof spent, statement: () => Promise<T>): Promise<T> => {
        const before = cpuSeconds(pid);
        const result = await statement();
        spent[phase] += cpuSeconds(pid) - before;
        return result;
      };
      const ids: string[] = [];
      for (let first = 0; first < JOBS; first += INSERT_BATCH) {
        const jobs = Array.from({ length: Math.min(INSERT_BATCH, JOBS - first) }, (_, i) => plainJob("demo.echo", { text: `bench ${first + i}` }));
        const inserted = await measure("insert", () => insertJobs(db, organizationId, jobs));
        ids.push(...inserted.created.map((row) => row.id));
      }
      for (let first = 0; first < ids.length; first += BATCH) {
        const claimed: ClaimedJob[] = await measure("claim", () => claimJobs(db, ids.slice(first, first + BATCH), CLAIM));
        const outcomes = claimed.map((job) => ({ jobId: job.id, attempt: job.attempts, claim: job.claims, status: "succeeded" as const, result: { ok: true } }));
        await measure("finish", () => finishJobs(db, outcomes, CLAIM.maxInterruptions));
      }
      console.log(`round ${round}: Postgres CPU s insert ${spent.insert.toFixed(2)}, claim ${spent.claim.toFixed(2)}, finish ${spent.finish.toFixed(2)}`);
      for (const phase of ["insert", "claim", "finish"] as const) best[phase] = Math.min(best[phase], spent[phase]);
    }
    const total = best.insert + best.claim + best.finish;
    console.log(
      `best of ${ROUNDS}, ${JOBS} jobs (claims and outcomes ${BATCH} a statement): Postgres CPU s insert ${best.insert.toFixed(2)}, ` +
        `claim ${best.claim.toFixed(2)}, finish ${best.finish.toFixed(2)}, total ${total.toFixed(2)} (${((total / JOBS) * 1e6).toFixed(0)} µs a job)`,
    );
  } finally {
    await db.destroy();
    await setup.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
