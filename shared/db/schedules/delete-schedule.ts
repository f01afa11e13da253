import type { Knex } from "knex";
import { withChangeNotify } from "./schedule-changes";

const DELETE_SCHEDULE = withChangeNotify("DELETE FROM schedules WHERE id = ? AND organization_id = ? RETURNING id");

/** Deletes a schedule and its runs; the jobs it fired stay, still naming it. False when there was none. */
export async function deleteSchedule(db: Knex, organizationId: string, id: string): Promise<boolean> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(DELETE_SCHEDULE, [id, organizationId]);
  return rows.length > 0;
}
