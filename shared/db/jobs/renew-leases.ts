import type { Knex } from "knex";
import { pgArray } from "../pg-array";

/** An attempt a worker holds: the job and the claim (fencing token) it holds it by. */
export interface HeldAttempt {
  jobId: string;
  claim: number;
}

/**
 * Extends the lease of every job a worker is running, in one statement. Returns the ids still held
 * under their claim: a job missing from the answer was cancelled or taken over, and its worker should
 * abort it. Only `lease_expires_at` changes, which no index covers, so the update is HOT.
 */
export async function renewLeases(db: Knex, held: HeldAttempt[], leaseMs: number): Promise<Set<string>> {
  const { rows } = await db.raw<{ rows: { id: string }[] }>(
    `UPDATE jobs j SET lease_expires_at = now() + make_interval(secs => ? / 1000.0)
     FROM unnest(?::uuid[], ?::int[]) AS i(id, claim)
     WHERE j.id = i.id AND j.claims = i.claim AND j.status = 'running'
     RETURNING j.id`,
    [leaseMs, pgArray(held.map((job) => job.jobId)), pgArray(held.map((job) => job.claim))],
  );
  return new Set(rows.map((row) => row.id));
}

/**
 * A long attempt lets go of its broker message (acked early, so RabbitMQ's consumer_timeout never
 * closes the channel): from now on the lease in Postgres alone stands for it. Clearing
 * `published_at` says "no message exists for this job", so if the worker dies the unpublished
 * sweeper publishes a new one once the lease has run out. False when the claim is no longer held.
 */
export async function detachAttempt(db: Knex, held: HeldAttempt): Promise<boolean> {
  const { rowCount } = await db.raw<{ rowCount: number }>(
    `UPDATE jobs SET published_at = NULL WHERE id = ? AND claims = ? AND status = 'running'`,
    [held.jobId, held.claim],
  );
  return rowCount === 1;
}
