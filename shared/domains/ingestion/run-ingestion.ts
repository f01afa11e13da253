import type { Knex } from "knex";
import { commitBatch } from "../../db/ingestion/commit-batch";
import { countsOf, IngestionRunRow, RunCounts } from "../../db/ingestion/run-record";
import { PermanentError } from "../../engine/tasks/task-errors";
import type { ProviderRegistry } from "./providers";
import { RecordFilter, recordFilterSchema } from "./record-filter";
import { sortRows } from "./sort-rows";

export interface IngestionHooks {
  /** Stops between batches (cancel, shutdown, time limit); the last committed batch stays. */
  signal: AbortSignal;
  /** Called when the whole percent read changes. */
  progress(percent: number, message: string): Promise<void>;
}

/**
 * Reads a run's source from its checkpoint on and commits batch after batch (records, counts and the
 * new checkpoint together), so an attempt that dies mid-way leaves a run the next attempt continues
 * exactly. Returns the run's counts once the source, or the filter's limit, is exhausted.
 */
export async function runIngestion(db: Knex, providers: ProviderRegistry, run: IngestionRunRow, hooks: IngestionHooks): Promise<RunCounts> {
  const provider = providers.get(run.provider);
  if (!provider) throw new PermanentError(`Unknown ingestion provider "${run.provider}"`);
  const options = provider.options.safeParse(run.options);
  if (!options.success) throw new PermanentError(`Invalid ${provider.name} options`, options.error.issues);
  const parsedFilters = provider.filters.safeParse(run.filters);
  if (!parsedFilters.success) throw new PermanentError(`Invalid ${provider.name} filters`, parsedFilters.error.issues);
  // Every provider's filters extend the common record filter, so it is what rows are matched against.
  const filter: RecordFilter = recordFilterSchema.parse(parsedFilters.data);

  const counts = countsOf(run);
  let batches = run.batches;
  let total = run.total === null ? null : Number(run.total);
  let reported = -1;
  if (filter.limit !== undefined && counts.written >= filter.limit) return counts;

  for await (const batch of provider.read({ options: options.data, checkpoint: run.checkpoint, signal: hooks.signal })) {
    hooks.signal.throwIfAborted();
    const sorted = sortRows(batch.rows, options.data.idField, filter, counts.written);
    const delta: RunCounts = { read: batch.rows.length, written: sorted.records.length, skipped: sorted.skipped, failed: sorted.failed };
    total = batch.total ?? total;
    await commitBatch(db, {
      organizationId: run.organization_id,
      runId: run.id,
      source: run.source,
      batchesBefore: batches,
      records: sorted.records,
      counts: delta,
      checkpoint: batch.checkpoint,
      total,
    });
    batches += 1;
    for (const key of ["read", "written", "skipped", "failed"] as const) counts[key] += delta[key];

    const fraction = total ? counts.read / total : batch.fraction;
    const percent = fraction === undefined ? undefined : Math.min(100, Math.floor(fraction * 100));
    if (percent !== undefined && percent !== reported) {
      reported = percent;
      await hooks.progress(percent, total ? `${counts.read} of ${total} records read` : `${counts.read} records read`);
    }
    if (sorted.limitReached) break;
  }
  return counts;
}
