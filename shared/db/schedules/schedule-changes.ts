import { SCHEDULE_CHANGES_CHANNEL } from "../../lib/event-names";

/**
 * Statements that change what a scheduler should fire NOTIFY on SCHEDULE_CHANGES_CHANNEL, in the same
 * statement, so the leader wakes as soon as the change commits instead of at its next poll. The payload
 * is the schedule id; a lost notification costs at most one poll interval (about a second).
 *
 * Wraps a CTE named `changed` (rows with an `id`) so that each changed row is announced.
 */
export function withChangeNotify(changedCte: string): string {
  return `
    WITH changed AS (${changedCte}),
    notified AS (SELECT pg_notify('${SCHEDULE_CHANGES_CHANNEL}', id::text) FROM changed)
    SELECT * FROM changed WHERE (SELECT count(*) FROM notified) >= 0`;
}
