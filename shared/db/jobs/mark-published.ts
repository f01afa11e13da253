import type { Knex } from "knex";

/**
 * Notes that the sweeper sent these jobs' messages again, so it leaves them alone afterwards. Rows a
 * worker holds (claiming or finishing them) are skipped rather than waited for: waiting is how this
 * statement and a worker's batch deadlocked, and a job being claimed needs no new message.
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
  priority: number;
  concurrency_key: string | null;
  throttle_key: string | null;
}

/**
 * Waiting jobs due and last changed at least `olderThanMs` ago that no sweep has marked published
 * (neither a confirmed publish nor a claim writes the mark, which keeps them HOT: migration 015;
 * so this includes jobs still waiting in a long queue), and running jobs whose lease ran out: their
 * worker was lost, and a new message lets a worker take them over (for a detached long attempt it
 * is the only one; otherwise RabbitMQ also redelivers the lost worker's message, and the claim
 * drops whichever comes second). Rows locked by
 * another sweeper are skipped; the caller publishes them and marks them published in the same
 * transaction.
 */
export async function lockUnpublishedJobs(
  trx: Knex.Transaction,
  olderThanMs: number,
  limit: number,
): Promise<UnpublishedJob[]> {
  const { rows } = await trx.raw<{ rows: UnpublishedJob[] }>(
    `SELECT id, task, queue, run_at, priority, concurrency_key, throttle_key FROM jobs
     WHERE published_at IS NULL AND finished_at IS NULL
       AND ((status IN ('scheduled', 'queued', 'retrying') AND GREATEST(updated_at, run_at) < now() - make_interval(secs => ? / 1000.0))
            OR (status = 'running' AND lease_expires_at < now()))
     ORDER BY created_at
     LIMIT ?
     FOR UPDATE SKIP LOCKED`,
    [olderThanMs, limit],
  );
  return rows;
}
