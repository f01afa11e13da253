import type { Knex } from "knex";
import type { Checkpoint, RunCounts } from "./run-record";

/** A record ready to upsert: its id in the source and its data as read. */
export interface IngestedRecord {
  externalId: string;
  data: Record<string, unknown>;
}

export interface BatchCommit {
  organizationId: string;
  runId: string;
  source: string;
  /** The run's `batches` this attempt read; the commit is refused if another attempt moved it. */
  batchesBefore: number;
  records: IngestedRecord[];
  counts: RunCounts;
  checkpoint: Checkpoint;
  total: number | null;
}

/** Another attempt of the same run committed in between; this one must stop. */
export class RunMovedOnError extends Error {
  override name = "RunMovedOnError";
}

/**
 * Upserts a batch of records and advances the run's counts and checkpoint in one transaction, so
 * after a crash the run's checkpoint says exactly which records are in. Records are sent as one JSON
 * parameter (one statement however large the batch); a later record with the same id in the batch wins.
 */
export async function commitBatch(db: Knex, batch: BatchCommit): Promise<void> {
  const latest = new Map(batch.records.map((record) => [record.externalId, record]));
  await db.transaction(async (trx) => {
    const advanced = await trx.raw<{ rowCount: number }>(
      `UPDATE ingestion_runs
       SET records_read = records_read + ?, records_written = records_written + ?, records_skipped = records_skipped + ?,
           records_failed = records_failed + ?, checkpoint = ?::jsonb, total = coalesce(?, total),
           batches = batches + 1, updated_at = now()
       WHERE id = ? AND organization_id = ? AND batches = ? AND status = 'running'`,
      [
        batch.counts.read,
        batch.counts.written,
        batch.counts.skipped,
        batch.counts.failed,
        JSON.stringify(batch.checkpoint),
        batch.total,
        batch.runId,
        batch.organizationId,
        batch.batchesBefore,
      ],
    );
    if (advanced.rowCount !== 1) throw new RunMovedOnError(`Ingestion run ${batch.runId} was advanced by another attempt`);
    if (latest.size === 0) return;
    await trx.raw(
      `INSERT INTO ingested_records (organization_id, source, external_id, data, run_id)
       SELECT ?, ?, item->>'externalId', item->'data', ? FROM jsonb_array_elements(?::jsonb) AS item
       ON CONFLICT (organization_id, source, external_id)
       DO UPDATE SET data = EXCLUDED.data, run_id = EXCLUDED.run_id, updated_at = now()`,
      [batch.organizationId, batch.source, batch.runId, JSON.stringify([...latest.values()])],
    );
  });
}
