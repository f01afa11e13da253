import type { Knex } from "knex";
import type { JobRow, JobStatus } from "./job-record";

export async function findJob(db: Knex, organizationId: string, id: string): Promise<JobRow | undefined> {
  return db<JobRow>("jobs").where({ id, organization_id: organizationId }).first();
}

export interface JobFilter {
  status?: JobStatus[];
  task?: string;
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  deadLettered?: boolean;
}

/** Keyset position: the last row of the previous page. */
export interface JobCursor {
  createdAt: Date;
  id: string;
}

/** Newest first, `limit` rows after the cursor. */
export async function listJobs(
  db: Knex,
  organizationId: string,
  filter: JobFilter,
  limit: number,
  after?: JobCursor,
): Promise<JobRow[]> {
  const query = db<JobRow>("jobs").where("organization_id", organizationId);
  if (filter.status?.length) query.whereIn("status", filter.status);
  if (filter.task) query.where("task", filter.task);
  if (filter.queue) query.where("queue", filter.queue);
  if (filter.createdAfter) query.where("created_at", ">=", filter.createdAfter);
  if (filter.createdBefore) query.where("created_at", "<", filter.createdBefore);
  if (filter.deadLettered) query.where("status", "failed").whereNotNull("dead_lettered_at");
  if (after) query.whereRaw("(created_at, id) < (?, ?)", [after.createdAt, after.id]);
  return query.orderBy([{ column: "created_at", order: "desc" }, { column: "id", order: "desc" }]).limit(limit);
}

export interface JobEventRow {
  id: string;
  job_id: string;
  type: string;
  data: Record<string, unknown>;
  created_at: Date;
}

export async function listJobEvents(db: Knex, jobId: string): Promise<JobEventRow[]> {
  return db<JobEventRow>("job_events").where("job_id", jobId).orderBy("id");
}
