import type { IngestedRecord } from "../../db/ingestion/commit-batch";
import { InvalidRow, SourceRow } from "./provider";
import { fieldOf, matchesFilter, RecordFilter } from "./record-filter";

export interface SortedRows {
  records: IngestedRecord[];
  /** Rows the filter left out, and rows past the limit. */
  skipped: number;
  /** Rows that are not records: unparsable, or without an id. */
  failed: number;
  /** The filter's limit is reached: read no further. */
  limitReached: boolean;
}

/** A string or finite number id; anything else (missing, empty, an object) is none. */
function externalIdOf(row: Record<string, unknown>, idField: string): string | undefined {
  const value = fieldOf(row, idField);
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  return undefined;
}

/**
 * Splits a batch of source rows into records to write, rows the filter skips and rows that failed.
 * `alreadyWritten` counts the run's records in earlier batches, against the filter's limit.
 */
export function sortRows(rows: SourceRow[], idField: string, filter: RecordFilter, alreadyWritten: number): SortedRows {
  const sorted: SortedRows = { records: [], skipped: 0, failed: 0, limitReached: false };
  for (const row of rows) {
    if (row instanceof InvalidRow) {
      sorted.failed += 1;
      continue;
    }
    const externalId = externalIdOf(row, idField);
    if (externalId === undefined) sorted.failed += 1;
    else if (sorted.limitReached || !matchesFilter(row, filter)) sorted.skipped += 1;
    else {
      sorted.records.push({ externalId, data: row });
      if (filter.limit !== undefined && alreadyWritten + sorted.records.length >= filter.limit) sorted.limitReached = true;
    }
  }
  return sorted;
}
