import type { Knex } from "knex";

/**
 * HOT updates for the job path (issue 14, decision 25). Postgres updates a row in place, touching no
 * index, only when no indexed column changes (predicates of partial indexes count) and the page has
 * room. Every transition changes `status` and `updated_at`, which three indexes named, so each claim
 * wrote a new entry into every index of the table. Now:
 *
 * - `jobs_unfinished (organization_id, queue) WHERE finished_at IS NULL` replaces `jobs_active`
 *   (which keyed on status): counting an organization's waiting and running jobs reads those rows.
 * - `jobs_unpublished` is keyed on `created_at` (never updated), not `updated_at`, and holds only
 *   unfinished rows; the claim no longer sets `published_at`.
 * - `jobs_dead_lettered` is restricted by `dead_lettered_at`, not `status`.
 * - `fillfactor = 50` leaves each page room for a new version of every row on it (a claim updates a
 *   whole batch at once): at 80, 14% of the bench's updates were HOT; at 50, 42%, i.e. every claim.
 *
 * So the claim, progress, lease renewals and a retry's outcome are HOT; only the final outcome
 * (which sets `finished_at`) and the insert touch indexes. Built CONCURRENTLY so a deploy does not
 * block job writes.
 */
export const config = { transaction: false };

const INDEXES = {
  jobs_unfinished: "ON jobs (organization_id, queue) WHERE finished_at IS NULL",
  jobs_unpublished_created: "ON jobs (created_at) WHERE published_at IS NULL AND finished_at IS NULL",
  jobs_dead_letters: "ON jobs (organization_id, queue, dead_lettered_at DESC) WHERE dead_lettered_at IS NOT NULL",
};
const REPLACED = ["jobs_active", "jobs_unpublished", "jobs_dead_lettered"];

export async function up(knex: Knex): Promise<void> {
  for (const [name, definition] of Object.entries(INDEXES)) {
    await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
    await knex.raw(`CREATE INDEX CONCURRENTLY ${name} ${definition}`);
  }
  for (const name of REPLACED) await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  await knex.raw(`ALTER TABLE jobs SET (fillfactor = 50)`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs RESET (fillfactor)`);
  await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_active ON jobs (organization_id, queue, status) WHERE status IN ('scheduled', 'queued', 'running', 'retrying')`);
  await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_unpublished ON jobs (updated_at) WHERE published_at IS NULL`);
  await knex.raw(`CREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_dead_lettered ON jobs (organization_id, queue, dead_lettered_at DESC) WHERE status = 'failed'`);
  for (const name of Object.keys(INDEXES)) await knex.raw(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
}
