import { Client } from "pg";
import { createApiKey, createOrganization } from "../shared/db/api-keys";
import { createDb, Db, migrateLatest } from "../shared/db/knex";

/** Creates the benchmark database when it is missing and returns its URL (same server as the admin URL). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(database)) throw new Error(`BENCH_DATABASE must be a plain identifier, got "${database}"`);
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (!rowCount) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The benchmark's own small pool (setup and measurement queries), separate from the services' pools. */
export async function openBenchDb(url: string): Promise<Db> {
  const db = createDb(url, 2);
  await migrateLatest(db);
  return db;
}

/**
 * Empties the job tables and puts back `historyJobs` finished jobs of another organization (with their
 * three events each), so every
 * run starts from the same tables. The history matters: Postgres plans (and caches, per connection)
 * the job_events → jobs foreign-key check while the table is tiny as a sequential scan, which then
 * reads the whole table for every event row as it grows (see BENCHMARKS.md).
 */
export async function resetJobTables(db: Db, historyJobs: number): Promise<void> {
  await db.raw("TRUNCATE jobs, job_events CASCADE");
  if (historyJobs > 0) {
    const organizationId = await createOrganization(db, `bench-history-${Date.now()}`);
    await db.raw(
      `INSERT INTO jobs (id, organization_id, task, queue, payload, status, attempts, max_attempts, result,
                         published_at, created_at, started_at, finished_at, updated_at)
       SELECT gen_random_uuid(), ?, 'demo.echo', 'default', jsonb_build_object('text', 'history ' || n), 'succeeded', 1, 1,
              jsonb_build_object('text', 'history ' || n), t, t, t, t, t
       FROM generate_series(1, ?) AS n, LATERAL (SELECT now() - interval '1 day' + n * interval '1 ms' AS t) AS times`,
      [organizationId, historyJobs],
    );
    // Their histories too, as a real table holds them: queued, running, succeeded.
    await db.raw(
      `INSERT INTO job_events (job_id, organization_id, type, data, created_at)
       SELECT j.id, j.organization_id, e.type, e.data, j.created_at
       FROM jobs j, (VALUES ('queued', '{}'::jsonb), ('running', '{"attempt":1}'::jsonb), ('succeeded', '{"attempt":1}'::jsonb)) AS e(type, data)
       WHERE j.organization_id = ?`,
      [organizationId],
    );
  }
  await db.raw("VACUUM ANALYZE jobs");
  await db.raw("VACUUM ANALYZE job_events");
}

/** A fresh organization and API key for one run; the run's jobs are counted by this organization. */
export async function createTenant(db: Db, label: string): Promise<{ organizationId: string; apiKey: string }> {
  const organizationId = await createOrganization(db, `bench-${label}-${Date.now()}`);
  const apiKey = await createApiKey(db, organizationId, `bench-${label}`);
  return { organizationId, apiKey };
}

export async function postgresVersion(db: Db): Promise<string> {
  const { rows } = await db.raw<{ rows: { server_version: string }[] }>("SHOW server_version");
  return rows[0]?.server_version ?? "unknown";
}

/** Sequential scans of the jobs table and rows they read, as Postgres's statistics have them so far. */
export async function jobsTableScans(db: Db): Promise<{ seqScans: number; seqRowsRead: number }> {
  const { rows } = await db.raw<{ rows: { seq_scan: string; seq_tup_read: string }[] }>(
    "SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE relname = 'jobs'",
  );
  return { seqScans: Number(rows[0]?.seq_scan ?? 0), seqRowsRead: Number(rows[0]?.seq_tup_read ?? 0) };
}
