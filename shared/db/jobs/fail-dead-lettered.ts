import type { Knex } from "knex";
import { pgArray } from "../pg-array";
import { withEventsAndNotify } from "./record-events";

const FAIL_DEAD_LETTERED = withEventsAndNotify(
  `updated AS (
     UPDATE jobs SET status = 'failed', finished_at = now(), dead_lettered_at = now(), updated_at = now(),
                     lease_expires_at = NULL,
                     error = jsonb_build_object('type', 'DeliveryLimitExceeded',
                       'message', 'RabbitMQ dead-lettered the job''s message after repeated deliveries: every worker that got it crashed or did not know its task')
     WHERE id = ANY(?::uuid[]) AND status NOT IN ('succeeded', 'failed', 'cancelled')
       -- a worker holds the job (a live lease): the dead-lettered message was a spare copy, and the
       -- attempt's outcome (or, if its worker is lost, the sweeper's new message) decides the job
       AND NOT (status = 'running' AND lease_expires_at > now())
     RETURNING id, organization_id, attempts
   ),
   changed AS (
     SELECT id, organization_id, 'failed' AS type,
            jsonb_build_object('attempt', attempts, 'error', jsonb_build_object('type', 'DeliveryLimitExceeded')) AS data
     FROM updated
   )`,
  "SELECT id FROM updated",
);

/**
 * Fails the unfinished jobs whose messages the broker dead-lettered; finished ones, and running ones
 * whose worker holds a live lease, are left as they are.
 */
export async function failDeadLettered(db: Knex, ids: string[]): Promise<number> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(FAIL_DEAD_LETTERED, [pgArray(ids)]);
  return rows.length;
}
