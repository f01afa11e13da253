import type { Knex } from "knex";

/**
 * Notes that the sweeper sent these jobs' messages again, so it leaves them alone afterwards. Rows a
 * worker holds (claiming or finishing them) are skipped rather than waited for: waiting is how this
 * statement and a worker's batch deadlocked, and a claimed job is marked published by its claim.
 */
export async function markPublished(db: Knex, ids: string[]): Promise<void> {
  await db.raw(
    `UPDATE jobs SET published_at = now()
     WHERE id IN (SELECT id FROM jobs WHERE id = ANY(?::uuid[]) AND published_at IS NULL FOR UPDATE SKIP LOCKED)`,
    [ids],
  );
}

export interface UnpublishedJob {
  id: string;
  task: string;
  queue: string;
  run_at: Date | null;
}

/**
 * Waiting jobs due and last changed at least `olderThanMs` ago that no claim and no sweep has marked
 * published (a new job's confirmed publish writes nothing, so this includes jobs still waiting in
 * a long queue), and long attempts that let go of their message (`detachAttempt`) and then lost
 * their worker: their lease ran out, and a new message lets a worker take them over. Rows locked by
 * another sweeper are skipped; the caller publishes them and marks them published in the same
 * transaction.
 */
export async function lockUnpublishedJobs(
  trx: Knex.Transaction,
  olderThanMs: number,
  limit: number,
): Promise<UnpublishedJob[]> {
  const { rows } = await trx.raw<{ rows: UnpublishedJob[] }>(
    `SELECT id, task, queue, run_at FROM jobs
     WHERE published_at IS NULL
       AND ((status IN ('scheduled', 'queued', 'retrying') AND GREATEST(updated_at, run_at) < now() - make_interval(secs => ? / 1000.0))
            OR (status = 'running' AND lease_expires_at < now()))
     ORDER BY updated_at
     LIMIT ?
     FOR UPDATE SKIP LOCKED`,
    [olderThanMs, limit],
  );
  return rows;
}
