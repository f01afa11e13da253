import type { Knex } from "knex";

/**
 * A binary search on job_events' primary key for the first event at or after `since`. Its ids come
 * from one sequence and its created_at is the inserting transaction's start, so ids grow with time,
 * give or take one short transition statement; a few dozen index probes find the start of a window
 * however long the history, with no index on created_at (see migration 014). Each probe takes the
 * first id at or above the middle, so gaps left by deleted events do not matter.
 */
const FIRST_EVENT_SINCE = `
  WITH RECURSIVE search(lo, hi) AS (
    SELECT min(id), max(id) + 1 FROM job_events
    UNION ALL
    SELECT CASE WHEN probe.created_at < ? THEN probe.id + 1 ELSE s.lo END,
           CASE WHEN probe.created_at < ? THEN s.hi ELSE (s.lo + s.hi) / 2 END
    FROM search s
    CROSS JOIN LATERAL (
      SELECT id, created_at FROM job_events WHERE id >= (s.lo + s.hi) / 2 ORDER BY id LIMIT 1
    ) probe
    WHERE s.lo < s.hi
  )
  SELECT coalesce(max(lo), 0)::text AS id FROM search`;

/**
 * The id (bigint, as text) from which every event since `since` follows; past the last event when
 * there is none. An event committed a moment out of order across `since` may lie just below it.
 */
export async function firstEventIdSince(db: Knex, since: Date): Promise<string> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(FIRST_EVENT_SINCE, [since, since]);
  return rows[0].id;
}
