import { JOB_EVENTS_CHANNEL } from "../../lib/event-names";

/**
 * The tail every job transition statement shares: one job_events row per changed job and NOTIFYs on
 * JOB_EVENTS_CHANNEL, all in the statement (and so the transaction) that made the change.
 *
 * `changed` must be a CTE exposing (id, organization_id, type, data). Each NOTIFY carries a comma list of
 * job_events ids, at most EVENT_IDS_PER_NOTIFY of them, which keeps it far under Postgres's
 * 8,000-byte payload limit however large the batch.
 */
const EVENT_IDS_PER_NOTIFY = 400;

export function withEventsAndNotify(changedCtes: string, selectChanged: string): string {
  return `
    WITH ${changedCtes},
    recorded_events AS (
      INSERT INTO job_events (job_id, organization_id, type, data)
      SELECT id, organization_id, type, data FROM changed
      RETURNING id
    ),
    notifications AS (
      SELECT pg_notify('${JOB_EVENTS_CHANNEL}', string_agg(id::text, ',')) AS sent
      FROM (SELECT id, (row_number() OVER (ORDER BY id) - 1) / ${EVENT_IDS_PER_NOTIFY} AS chunk
            FROM recorded_events) numbered
      GROUP BY chunk
    )
    ${selectChanged}
    WHERE (SELECT count(*) FROM notifications) >= 0`;
}
