import type { Knex } from "knex";
import type { ScheduleRow } from "./schedule-record";

/** One schedule of the organization; `lock` holds it (FOR UPDATE) for a read-modify-write in a transaction. */
export async function findSchedule(
  db: Knex,
  organizationId: string,
  id: string,
  { lock = false } = {},
): Promise<ScheduleRow | undefined> {
  const query = db<ScheduleRow>("schedules").where({ id, organization_id: organizationId }).first();
  return lock ? query.forUpdate() : query;
}
