import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { PermanentError } from "../../engine/tasks/task-errors";
import { InvalidRow, SourceRow } from "./provider";

/** The two line-oriented formats both the http and the file provider read. */
export const STREAM_FORMATS = ["csv", "ndjson"] as const;
export type StreamFormat = (typeof STREAM_FORMATS)[number];

/**
 * CSV rows as objects keyed by the header row, streamed. A row with more or fewer fields than the
 * header is an InvalidRow; broken quoting makes the whole source unreadable (PermanentError).
 */
async function* csvRows(input: Readable): AsyncGenerator<SourceRow> {
  const parser = input.pipe(parse({ relax_column_count: true, skip_empty_lines: true, bom: true, trim: true }));
  input.on("error", (error) => parser.destroy(error));
  let header: string[] | undefined;
  let line = 1;
  try {
    for await (const fields of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = fields;
        continue;
      }
      line += 1;
      if (fields.length !== header.length) {
        yield new InvalidRow(`row ${line} has ${fields.length} fields, the header has ${header.length}`);
        continue;
      }
      const row: Record<string, unknown> = {};
      header.forEach((name, index) => (row[name] = fields[index]));
      yield row;
    }
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("CSV_")) throw new PermanentError(`Unreadable CSV: ${(error as Error).message}`);
    throw error;
  }
}

/** One JSON object a line, streamed; a line that is not a JSON object is an InvalidRow. */
async function* ndjsonRows(input: Readable): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number += 1;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      yield new InvalidRow(`line ${number} is not JSON`);
      continue;
    }
    yield typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : new InvalidRow(`line ${number} is not a JSON object`);
  }
}

export const rowsOf = (format: StreamFormat, input: Readable): AsyncGenerator<SourceRow> =>
  format === "csv" ? csvRows(input) : ndjsonRows(input);
