import { InvalidRow } from "../../shared/domains/ingestion/provider";
import { matchesFilter, RecordFilter, recordFilterSchema } from "../../shared/domains/ingestion/record-filter";
import { sortRows } from "../../shared/domains/ingestion/sort-rows";
import { pathInsideUploads } from "../../shared/domains/ingestion/upload-path";

const order = { id: "o1", status: "paid", amount: "42.5", placedAt: "2024-03-10T12:00:00Z", customer: { country: "FR" }, vip: "true" };
const filter = (value: unknown): RecordFilter => recordFilterSchema.parse(value);

describe("record filters", () => {
  it("matches field equality, CSV strings against numbers and booleans, dotted paths and null", () => {
    expect(matchesFilter(order, filter({ equals: { status: "paid" } }))).toBe(true);
    expect(matchesFilter(order, filter({ equals: { status: "refunded" } }))).toBe(false);
    expect(matchesFilter(order, filter({ equals: { amount: 42.5, vip: true } }))).toBe(true);
    expect(matchesFilter(order, filter({ equals: { "customer.country": "FR" } }))).toBe(true);
    expect(matchesFilter(order, filter({ equals: { coupon: null } }))).toBe(true);
    expect(matchesFilter(order, filter({ equals: { status: null } }))).toBe(false);
  });

  it("matches numeric and date ranges, inclusive and exclusive; a missing or non-numeric value fails", () => {
    expect(matchesFilter(order, filter({ ranges: { amount: { gte: 42.5, lt: 50 } } }))).toBe(true);
    expect(matchesFilter(order, filter({ ranges: { amount: { gt: 42.5 } } }))).toBe(false);
    expect(matchesFilter(order, filter({ ranges: { amount: { lte: 42 } } }))).toBe(false);
    expect(matchesFilter(order, filter({ ranges: { placedAt: { gte: "2024-03-10T12:00:00Z", lt: "2024-03-11T00:00:00+00:00" } } }))).toBe(true);
    expect(matchesFilter(order, filter({ ranges: { weight: { gt: 0 } } }))).toBe(false);
    expect(matchesFilter(order, filter({ ranges: { status: { gt: 0 } } }))).toBe(false);
  });

  it("keeps a date window: since inclusive, until exclusive, unparsable dates out", () => {
    const window = (since?: string, until?: string) => filter({ dateField: "placedAt", since, until });
    expect(matchesFilter(order, window("2024-03-10T12:00:00Z"))).toBe(true);
    expect(matchesFilter(order, window(undefined, "2024-03-10T12:00:00Z"))).toBe(false);
    expect(matchesFilter(order, window("2024-03-01T00:00:00Z", "2024-04-01T00:00:00Z"))).toBe(true);
    expect(matchesFilter({ ...order, placedAt: "soon" }, window("2024-03-01T00:00:00Z"))).toBe(false);
  });

  it("rejects filters that cannot mean anything", () => {
    expect(recordFilterSchema.safeParse({ since: "2024-01-01T00:00:00Z" }).success).toBe(false);
    expect(recordFilterSchema.safeParse({ ranges: { amount: {} } }).success).toBe(false);
    expect(recordFilterSchema.safeParse({ ranges: { amount: { gte: "ten" } } }).success).toBe(false);
    expect(recordFilterSchema.safeParse({ limit: 0 }).success).toBe(false);
    expect(recordFilterSchema.safeParse({ colour: "red" }).success).toBe(false);
  });
});

describe("sorting a batch of rows", () => {
  const rows = [
    { id: "a", status: "paid" },
    { id: 7, status: "paid" },
    new InvalidRow("line 3 is not JSON"),
    { status: "paid" },
    { id: "  ", status: "paid" },
    { id: "b", status: "refunded" },
    { id: "c", status: "paid" },
  ];

  it("writes matching rows, skips filtered ones and fails rows without an id or unparsable", () => {
    const sorted = sortRows(rows, "id", filter({ equals: { status: "paid" } }), 0);
    expect(sorted.records.map((record) => record.externalId)).toEqual(["a", "7", "c"]);
    expect(sorted).toMatchObject({ skipped: 1, failed: 3, limitReached: false });
  });

  it("stops at the limit, counting what was written in earlier batches; the rest of the batch is skipped", () => {
    const sorted = sortRows(rows, "id", filter({ limit: 3 }), 1);
    expect(sorted.records.map((record) => record.externalId)).toEqual(["a", "7"]);
    expect(sorted).toMatchObject({ skipped: 2, failed: 3, limitReached: true });
  });

  it("takes the id from the configured field", () => {
    const sorted = sortRows([{ sku: "X-1" }, { id: "ignored" }], "sku", filter({}), 0);
    expect(sorted.records).toEqual([{ externalId: "X-1", data: { sku: "X-1" } }]);
    expect(sorted.failed).toBe(1);
  });
});

describe("paths inside the upload directory", () => {
  it("resolves relative paths inside it and refuses traversal and absolute paths outside", () => {
    expect(pathInsideUploads("/srv/uploads", "exports/a.csv")).toBe("/srv/uploads/exports/a.csv");
    expect(pathInsideUploads("/srv/uploads", "/srv/uploads/a.csv")).toBe("/srv/uploads/a.csv");
    expect(pathInsideUploads("/srv/uploads", "..data.csv")).toBe("/srv/uploads/..data.csv");
    for (const outside of ["../../etc/passwd", "/etc/passwd", "exports/../../x.csv", ".", "/srv/uploads-other/a.csv", "a\0.csv"]) {
      expect(pathInsideUploads("/srv/uploads", outside)).toBeUndefined();
    }
  });
});
