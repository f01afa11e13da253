import type { Knex } from "knex";
import { CreatedAtCursor, whereAfterCursor } from "../created-at-keyset";
import type { JobRow, JobStatus } from "./job-record";

export async function findJob(db: Knex, organizationId: string, id: string): Promise<JobRow | undefined> {
  return db<JobRow>("jobs").where({ id, organization_id: organizationId }).first();
}

export interface JobFilter {
  id?: string;
  status?: JobStatus[];
  task?: string;
  queue?: string;
  createdAfter?: Date;
  createdBefore?: Date;
  deadLettered?: boolean;
  scheduleId?: string;
  /** Jobs whose payload contains this JSON (jsonb `@>`). */
  payload?: Record<string, unknown>;
}

/** Newest first, `limit` rows after the cursor. */
export async function listJobs(
  db: Knex,
  organizationId: string,
  filter: JobFilter,
  limit: number,
  after?: CreatedAtCursor,
): Promise<JobRow[]> {
  const query = db<JobRow>("jobs").where("organization_id", organizationId);
  if (filter.id) query.where("id", filter.id);
  if (filter.status?.length) query.whereIn("status", filter.status);
  if (filter.task) query.where("task", filter.task);
  if (filter.queue) query.where("queue", filter.queue);
  if (filter.createdAfter) query.where("created_at", ">=", filter.createdAfter);
  if (filter.createdBefore) query.where("created_at", "<", filter.createdBefore);
  if (filter.deadLettered) query.where("status", "failed").whereNotNull("dead_lettered_at");
  if (filter.scheduleId) query.where("schedule_id", filter.scheduleId);
  if (filter.payload) {
    // jobs_payload holds finished jobs only (migration 014); unfinished ones are read through
    // jobs_unfinished and checked one by one. Each arm names its index's predicate, so the planner ORs the two.
    const contains = JSON.stringify(filter.payload);
    query.where((either) =>
      either
        .whereRaw("finished_at IS NOT NULL AND payload @> ?::jsonb", [contains])
        .orWhereRaw("finished_at IS NULL AND payload @> ?::jsonb", [contains]),
    );
  }
  if (after) whereAfterCursor(query, "jobs", organizationId, after);
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
