import type { Checkpoint } from "../../db/ingestion/run-record";
import { z } from "zod";

/** A row the provider could not turn into an object (a malformed line, a short CSV row); counted as failed. */
export class InvalidRow {
  constructor(readonly reason: string) {}
}

export type SourceRow = Record<string, unknown> | InvalidRow;

/** Where a provider stopped: whatever JSON it needs to start again just after the last batch it gave. */

/** Rows read in one go; they are written, with `checkpoint`, in one transaction. */
export interface SourceBatch {
  rows: SourceRow[];
  /** Resuming from here must continue with the row after this batch's last one. */
  checkpoint: Checkpoint;
  /** Rows the whole source holds, when the source says so (a `total` field, a count header). */
  total?: number;
  /** How much of the source has been read (0–1), when the total is unknown but the size is (files). */
  fraction?: number;
}

export interface ReadRequest<Options> {
  options: Options;
  /** The checkpoint of the last committed batch; null on a fresh run. */
  checkpoint: Checkpoint | null;
  /** Stops reading (cancel, shutdown, time limit). */
  signal: AbortSignal;
}

/**
 * A source of records. `read` streams batches and never holds the whole source in memory; it throws
 * TransientError for failures worth retrying and PermanentError for those no retry can fix.
 */
export interface IngestionProvider<Options extends CommonOptions = CommonOptions> {
  name: string;
  description: string;
  /** Validates `options` of a request; the parsed value is what `read` receives. */
  options: z.ZodType<Options, z.ZodTypeDef, unknown>;
  /** Validates `filters` of a request (see record-filter.ts). */
  filters: z.ZodTypeAny;
  /** A stable identity of where records come from; records are unique per (organization, source, id). */
  source(options: Options): string;
  read(request: ReadRequest<Options>): AsyncIterable<SourceBatch>;
}

/** Options every provider takes. */
export const commonOptions = z.object({
  /** The field holding each record's id in the source. */
  idField: z.string().min(1).max(200).default("id"),
  /** Overrides the source identity (say, to keep records when a URL changes). */
  source: z.string().min(1).max(500).optional(),
  /** Rows written per transaction (and per checkpoint). */
  batchSize: z.number().int().min(1).max(10_000).default(1_000),
});
export type CommonOptions = z.infer<typeof commonOptions>;
