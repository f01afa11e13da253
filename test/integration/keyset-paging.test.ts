import { startStack, Stack } from "../support/stack";

/**
 * Rows that share a millisecond (a bulk insert, or two requests in the same instant) are paged
 * through without one being skipped: cursors carry milliseconds, created_at microseconds.
 */
describe("keyset paging over rows created within one millisecond", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "enrichment"] });
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it("lists every issue once, one per page, when their created_at differ only in microseconds", async () => {
    const ids: string[] = [];
    for (const title of ["first", "second", "third", "fourth"]) {
      const created = await stack.http("POST", "/api/v1/issues", { title, body: "paging" });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    // The same millisecond, different microseconds: a cursor at ms precision would skip rows.
    await stack.db.raw(
      `UPDATE issues SET created_at = timestamptz '2026-12-01 10:00:00.123' + (array_position(?::uuid[], id) * interval '1 microsecond')
       WHERE id = ANY(?::uuid[])`,
      [ids, ids],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await stack.http(
        "GET",
        `/api/v1/issues?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((issue) => issue.id));
      cursor = page.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([...ids].reverse());
  });
});
