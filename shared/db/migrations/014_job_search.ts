import type { Knex } from "knex";

/**
 * Job search (GET /api/v1/jobs with `payload` or `scheduleId`) stays an index lookup on a table of
 * millions of jobs, at almost no cost to the job path.
 *
 * An index on `jobs` is paid for by each row version that enters it. The claim, progress and a
 * retry's outcome are HOT updates (migration 015) while no index names a column they change; the
 * insert and the final outcome (which sets `finished_at`) enter every index whose predicate they
 * meet. So:
 * - `jobs_payload`: GIN with jsonb_path_ops (one hash per path to a value; it serves `@>`, all that
 *   search asks), partial on finished jobs, which a job enters once, at its final outcome. Not
 *   `status` in the predicate: that column changes on every claim, and naming it left no update
 *   HOT. Unfinished jobs are searched through jobs_unfinished (find-jobs.ts).
 * - `jobs_schedule`: partial, so only jobs a schedule fired pay for it; ordered like the list's
 *   keyset, so a schedule's newest jobs are read straight off it.
 * Measured with the job path's own statements (insert, claim, finish; 40,000 jobs in batches of 500,
 * three alternating rounds): these two add 6% WAL a job and leave the share of HOT updates as it
 * was; a GIN over every row adds 25%, an index on `task` 12% (so there is none: a rare task is
 * found by walking the organization's jobs newest first). Throughput moved less than the runs'
 * noise on a shared 2-core machine.
 *
 * Queue stats (GET /api/v1/stats/queues) need no index: they read job_events, append-only, from the
 * window's first event, found by a binary search on its primary key (first-event-since.ts). A BRIN
 * on job_events.created_at was the other candidate; it decays once job retention deletes old events
 * and new ones fill the freed pages (a range's summary only ever widens).
 *
 * Built CONCURRENTLY, outside a transaction, so a deploy does not block job writes while the indexes
 * build; a build that failed half way leaves an invalid index, which a rerun drops first.
 */
export const config = { transaction: false };

const INDEXES = {
  jobs_payload: "ON jobs USING gin (payload jsonb_path_ops) WHERE finished_at IS NOT NULL",
  jobs_schedule: "ON jobs (organization_id, schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL",
};

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of Object.entries(INDEXES)) {
    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX CONCURRENTLY ${name} ${definition}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const name of Object.keys(INDEXES)) await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
}
