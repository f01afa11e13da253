import type { Knex } from "knex";
import { pgArray } from "../pg-array";
import { JobRow, PublicJob, toPublicJob } from "./job-record";

/** One job_events row with the job's current public view: what subscribers and SSE clients receive. */
export interface JobUpdate {
  /** The job_events id: ordered, and the SSE event id. */
  id: string;
  /** queued, running, progress, retrying, succeeded, failed, cancelled, scheduled. */
  type: string;
  data: Record<string, unknown>;
  at: string;
  job: PublicJob;
}

type UpdateRow = JobRow & { event_id: string; event_type: string; event_data: Record<string, unknown>; event_at: Date };

const SELECT_UPDATES = `
  SELECT e.id AS event_id, e.type AS event_type, e.data AS event_data, e.created_at AS event_at, j.*
  FROM job_events e JOIN jobs j ON j.id = e.job_id`;

const toUpdate = (row: UpdateRow): JobUpdate => ({
  id: String(row.event_id),
  type: row.event_type,
  data: row.event_data,
  at: row.event_at.toISOString(),
  job: toPublicJob(row),
});

/** The updates for the given event ids (what a NOTIFY names), oldest first. */
export async function updatesByEventIds(db: Knex, eventIds: string[]): Promise<JobUpdate[]> {
  const { rows } = await db.raw<{ rows: UpdateRow[] }>(`${SELECT_UPDATES} WHERE e.id = ANY(?::bigint[]) ORDER BY e.id`, [
    pgArray(eventIds),
  ]);
  return rows.map(toUpdate);
}

export interface UpdateScope {
  organizationId?: string;
  jobId?: string;
}

/** Updates after an event id, oldest first: replay for a reconnecting client or notifier. */
export async function updatesAfter(db: Knex, afterId: string, scope: UpdateScope, limit: number): Promise<JobUpdate[]> {
  const conditions = ["e.id > ?"];
  const bindings: Knex.Value[] = [afterId];
  if (scope.organizationId) {
    conditions.push("e.organization_id = ?");
    bindings.push(scope.organizationId);
  }
  if (scope.jobId) {
    conditions.push("e.job_id = ?");
    bindings.push(scope.jobId);
  }
  const { rows } = await db.raw<{ rows: UpdateRow[] }>(
    `${SELECT_UPDATES} WHERE ${conditions.join(" AND ")} ORDER BY e.id LIMIT ?`,
    [...bindings, limit],
  );
  return rows.map(toUpdate);
}

/** The newest event id, where a notifier with no history starts. */
export async function latestEventId(db: Knex): Promise<string> {
  const { rows } = await db.raw<{ rows: { id: string | null }[] }>("SELECT max(id) AS id FROM job_events");
  return String(rows[0].id ?? 0);
}

/** What a consumer needs to decide whether a job event matters to it, without loading the job's payload. */
export interface EventHead {
  id: string;
  organizationId: string;
  jobId: string;
  type: string;
  task: string;
  hasCallbackUrl: boolean;
}

const SELECT_HEADS = `
  SELECT e.id::text AS id, e.organization_id AS "organizationId", e.job_id AS "jobId", e.type, j.task,
         j.callback_url IS NOT NULL AS "hasCallbackUrl"
  FROM job_events e JOIN jobs j ON j.id = e.job_id`;

/** The next events after an id, oldest first. */
export async function eventHeadsAfter(db: Knex, afterId: string, limit: number): Promise<EventHead[]> {
  const { rows } = await db.raw<{ rows: EventHead[] }>(`${SELECT_HEADS} WHERE e.id > ? ORDER BY e.id LIMIT ?`, [afterId, limit]);
  return rows;
}

/** The events among these ids that exist (committed), oldest first. */
export async function eventHeadsByIds(db: Knex, ids: string[]): Promise<EventHead[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.raw<{ rows: EventHead[] }>(`${SELECT_HEADS} WHERE e.id = ANY(?::bigint[]) ORDER BY e.id`, [pgArray(ids)]);
  return rows;
}
