import type { Knex } from "knex";

/** Pauses one organization's jobs on a queue: claims skip them (running ones finish). Idempotent. */
export async function pauseQueue(db: Knex, organizationId: string, queue: string): Promise<void> {
  await db.raw("INSERT INTO queue_pauses (organization_id, queue) VALUES (?, ?) ON CONFLICT DO NOTHING", [organizationId, queue]);
}

/** Resumes it: its waiting jobs are offered again within a second (the held-back retry). Idempotent. */
export async function resumeQueue(db: Knex, organizationId: string, queue: string): Promise<void> {
  await db("queue_pauses").where({ organization_id: organizationId, queue }).delete();
}

/** The queues this organization paused. */
export async function pausedQueues(db: Knex, organizationId: string): Promise<Set<string>> {
  const rows = await db("queue_pauses").where({ organization_id: organizationId }).select<{ queue: string }[]>("queue");
  return new Set(rows.map((row) => row.queue));
}
