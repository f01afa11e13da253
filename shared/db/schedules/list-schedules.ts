import type { Knex } from "knex";
import type { ScheduleRow } from "./schedule-record";

export interface ScheduleFilter {
  task?: string;
  enabled?: boolean;
}

/** The organization's schedules by name, `limit` of them after the name `after` (keyset pagination). */
export async function listSchedules(
  db: Knex,
  organizationId: string,
  filter: ScheduleFilter,
  limit: number,
  after?: string,
): Promise<ScheduleRow[]> {
  const query = db<ScheduleRow>("schedules").where("organization_id", organizationId);
  if (filter.task) query.where("task", filter.task);
  if (filter.enabled !== undefined) query.where("enabled", filter.enabled);
  if (after !== undefined) query.where("name", ">", after);
  return query.orderBy("name").limit(limit);
}
