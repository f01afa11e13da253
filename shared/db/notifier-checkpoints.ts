import type { Knex } from "knex";

/** The last job event the notifier announced, so a new leader carries on where the old one stopped. */
export async function readCheckpoint(db: Knex, name: string): Promise<string | undefined> {
  const row = await db("notifier_checkpoints").where({ name }).first<{ last_event_id: string } | undefined>("last_event_id");
  return row ? String(row.last_event_id) : undefined;
}

export async function writeCheckpoint(db: Knex, name: string, lastEventId: string): Promise<void> {
  await db.raw(
    `INSERT INTO notifier_checkpoints (name, last_event_id) VALUES (?, ?)
     ON CONFLICT (name) DO UPDATE SET last_event_id = GREATEST(notifier_checkpoints.last_event_id, EXCLUDED.last_event_id),
                                      updated_at = now()`,
    [name, lastEventId],
  );
}
