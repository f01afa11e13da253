import type { Knex } from "knex";

/**
 * Fair shares (issue 17, decision 28): a job on a queue with a fair share takes two slots, its
 * concurrency key's (if any) and its organization's on the queue, so a slot is keyed by both.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    ALTER TABLE concurrency_slots DROP CONSTRAINT concurrency_slots_pkey, ADD PRIMARY KEY (job_id, concurrency_key);
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    DELETE FROM concurrency_slots WHERE concurrency_key LIKE 'fair:%';
    ALTER TABLE concurrency_slots DROP CONSTRAINT concurrency_slots_pkey, ADD PRIMARY KEY (job_id);
  `);
}
