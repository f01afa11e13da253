import type { Knex } from "knex";

/**
 * The node that runs a job's current attempt, or ran its last one (set by the claim, which already
 * rewrites the row, so it costs no extra write): `conveyor inspect active` groups running jobs by it.
 * Not indexed, so claims stay as cheap as before.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs ADD COLUMN worker text`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`ALTER TABLE jobs DROP COLUMN worker`);
}
