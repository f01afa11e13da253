import { z } from "zod";

const isoDate = z.string().datetime({ offset: true, message: "must be an ISO 8601 date-time, like 2024-01-31T00:00:00Z" });
/** Numbers compare numerically (numeric strings in the record count as numbers); ISO dates compare as instants. */
const bound = z.union([z.number(), isoDate]);
const range = z
  .object({ gt: bound.optional(), gte: bound.optional(), lt: bound.optional(), lte: bound.optional() })
  .strict()
  .refine((value) => Object.values(value).some((item) => item !== undefined), "give at least one of gt, gte, lt, lte");

/** Which records of a source are written; the others are counted as skipped. */
export const recordFilterSchema = z
  .object({
    /** Field → value the record must have (a CSV's "42" equals 42 and "true" equals true). */
    equals: z.record(z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
    /** Field → bounds the record's value must lie within. */
    ranges: z.record(range).optional(),
    /** The field `since` and `until` apply to. */
    dateField: z.string().min(1).optional(),
    /** Records whose date is at or after this instant. */
    since: isoDate.optional(),
    /** Records whose date is before this instant. */
    until: isoDate.optional(),
    /** Write at most this many records, then stop reading. */
    limit: z.number().int().positive().optional(),
  })
  .strict()
  .refine((filter) => filter.dateField !== undefined || (filter.since === undefined && filter.until === undefined), {
    message: "since and until need a dateField",
    path: ["dateField"],
  });
export type RecordFilter = z.infer<typeof recordFilterSchema>;

/** A field by name, or by a dotted path into nested objects ("customer.country"). */
export function fieldOf(record: Record<string, unknown>, field: string): unknown {
  if (field in record) return record[field];
  let value: unknown = record;
  for (const part of field.split(".")) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function equalsValue(actual: unknown, expected: string | number | boolean | null): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (actual === expected) return true;
  return typeof actual === "string" && typeof expected !== "string" && actual === String(expected);
}

/** The value on the bound's scale (a number, or epoch ms for a date bound); undefined when it has none. */
function comparable(value: unknown, bound: number | string): number | undefined {
  let result: number;
  if (typeof bound === "number") result = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  else result = typeof value === "string" || typeof value === "number" ? new Date(value).getTime() : NaN;
  return Number.isFinite(result) ? result : undefined;
}

const scaleOf = (bound: number | string) => (typeof bound === "number" ? bound : Date.parse(bound));

function withinRange(value: unknown, bounds: z.infer<typeof range>): boolean {
  const checks: [number | string | undefined, (a: number, b: number) => boolean][] = [
    [bounds.gt, (a, b) => a > b],
    [bounds.gte, (a, b) => a >= b],
    [bounds.lt, (a, b) => a < b],
    [bounds.lte, (a, b) => a <= b],
  ];
  return checks.every(([limit, test]) => {
    if (limit === undefined) return true;
    const actual = comparable(value, limit);
    return actual !== undefined && test(actual, scaleOf(limit));
  });
}

/** Whether a record passes the filter's field conditions (`limit` is applied by the caller). A missing field fails. */
export function matchesFilter(record: Record<string, unknown>, filter: RecordFilter): boolean {
  for (const [field, expected] of Object.entries(filter.equals ?? {})) {
    if (!equalsValue(fieldOf(record, field), expected)) return false;
  }
  for (const [field, bounds] of Object.entries(filter.ranges ?? {})) {
    if (!withinRange(fieldOf(record, field), bounds)) return false;
  }
  if (filter.dateField && (filter.since || filter.until)) {
    return withinRange(fieldOf(record, filter.dateField), { gte: filter.since, lt: filter.until });
  }
  return true;
}
