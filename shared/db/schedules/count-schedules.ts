import type { Knex } from "knex";

/** How many schedules an organization has (for SCHEDULES_MAX_PER_ORGANIZATION). */
export async function countSchedules(db: Knex, organizationId: string): Promise<number> {
  const row = await db("schedules").where({ organization_id: organizationId }).count<{ count: string }[]>("* as count").first();
  return Number(row?.count ?? 0);
}
