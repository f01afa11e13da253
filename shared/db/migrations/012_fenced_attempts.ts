import type { Knex } from "knex";

/**
 * Fenced attempts. `claims` counts every claim of a job and never goes back (a replay resets
 * `attempts`, not `claims`): it is the fencing token each write of an attempt carries, so an attempt
 * that lost its job (cancelled and replayed, or taken over after its lease ran out) can no longer
 * renew, report progress or record an outcome. `interruptions` counts attempts cut short by a
 * shutdown or a lost worker, which are re-run without using up `max_attempts`, up to a limit of
 * their own.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE jobs ADD COLUMN claims integer NOT NULL DEFAULT 0,
                     ADD COLUMN interruptions integer NOT NULL DEFAULT 0;
    UPDATE jobs SET claims = attempts WHERE attempts > 0;
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs DROP COLUMN claims, DROP COLUMN interruptions;`);
}
