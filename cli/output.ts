/** How commands print: a table for people, or the whole answer as JSON with --json (for scripts). */
export interface OutputOptions {
  json?: boolean;
}

export type Cell = string | number | boolean | null | undefined;

export interface Column<Row> {
  header: string;
  value: (row: Row) => Cell;
}

function text(cell: Cell): string {
  return cell === null || cell === undefined ? "-" : String(cell);
}

/** Left-aligned columns wide enough for their widest cell. */
export function formatTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): string {
  const cells = rows.map((row) => columns.map((column) => text(column.value(row))));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => line[index].length)));
  const line = (values: string[]) => values.map((value, index) => value.padEnd(widths[index])).join("  ").trimEnd();
  return [line(columns.map((column) => column.header.toUpperCase())), ...cells.map(line)].join("\n");
}

/** Prints `data` as JSON with --json, else what `human` makes of it. */
export function print<Data>(options: OutputOptions, data: Data, human: (data: Data) => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(data, null, 2) : human(data)}\n`);
}

/** A timestamp as a table shows it: UTC date and time to the second. */
export function when(iso: string | null | undefined): string {
  return iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) : "-";
}
