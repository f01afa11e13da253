import type { Knex } from "knex";

const TIME_UNTIL_DUE = `
  SELECT GREATEST(0, EXTRACT(EPOCH FROM min(next_run_at) - clock_timestamp()) * 1000)::float8 AS ms
  FROM schedules WHERE next_run_at IS NOT NULL`;

/** Milliseconds until the earliest next run of any schedule (0 when one is due), or null when none is. */
export async function timeUntilDue(db: Knex): Promise<number | null> {
  const { rows } = await db.raw<{ rows: { ms: number | null }[] }>(TIME_UNTIL_DUE);
  return rows[0]?.ms ?? null;
}
