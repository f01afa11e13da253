import type { Checkpoint } from "../../db/ingestion/run-record";
import type { SourceBatch, SourceRow } from "./provider";

/** A stream's checkpoint: how many rows (valid or not) earlier attempts consumed. */
export const rowsConsumed = (checkpoint: Checkpoint | null): number =>
  typeof checkpoint?.rows === "number" ? checkpoint.rows : 0;

/**
 * Groups a row stream into batches whose checkpoint is the count of rows consumed. A resumed read
 * passes the checkpoint's count as `skip`: those rows are read again but dropped, so the batches
 * continue exactly where the last committed one ended.
 */
export async function* streamBatches(
  rows: AsyncIterable<SourceRow>,
  batchSize: number,
  skip: number,
  signal: AbortSignal,
  fraction?: () => number,
): AsyncGenerator<SourceBatch> {
  let consumed = 0;
  let batch: SourceRow[] = [];
  const emit = (): SourceBatch => {
    const done = batch;
    batch = [];
    return { rows: done, checkpoint: { rows: consumed }, ...(fraction ? { fraction: fraction() } : {}) };
  };
  for await (const row of rows) {
    signal.throwIfAborted();
    consumed += 1;
    if (consumed <= skip) continue;
    batch.push(row);
    if (batch.length >= batchSize) yield emit();
  }
  if (batch.length > 0) yield emit();
}
