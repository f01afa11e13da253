import type { Knex } from "knex";
import type { JobStatus } from "./job-record";

export type ActiveStatus = Extract<JobStatus, "scheduled" | "queued" | "running" | "retrying">;

/** Unfinished jobs of an organization per queue and status. */
export async function activeCounts(db: Knex, organizationId: string): Promise<Map<string, Record<ActiveStatus, number>>> {
  const { rows } = await db.raw<{ rows: { queue: string; status: ActiveStatus; count: string }[] }>(
    `SELECT queue, status, count(*) AS count FROM jobs
     WHERE organization_id = ? AND finished_at IS NULL
     GROUP BY queue, status`,
    [organizationId],
  );
  const byQueue = new Map<string, Record<ActiveStatus, number>>();
  for (const row of rows) {
    const counts = byQueue.get(row.queue) ?? { scheduled: 0, queued: 0, running: 0, retrying: 0 };
    counts[row.status] = Number(row.count);
    byQueue.set(row.queue, counts);
  }
  return byQueue;
}
