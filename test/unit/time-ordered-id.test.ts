import { timeOrderedId } from "../../shared/lib/time-ordered-id";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("timeOrderedId", () => {
  it("is a version 7 UUID with the RFC 9562 variant", () => {
    for (let i = 0; i < 1_000; i++) expect(timeOrderedId()).toMatch(UUID_V7);
  });

  it("starts with the milliseconds it was made at, so later ids sort after earlier ones", () => {
    const at = Date.UTC(2026, 11, 3, 12, 0, 0, 123);
    const id = timeOrderedId(at);
    expect(parseInt(id.replace(/-/g, "").slice(0, 12), 16)).toBe(at);
    const later = [timeOrderedId(at + 1), timeOrderedId(at + 1_000), timeOrderedId(at + 86_400_000)];
    expect([...later].sort()).toEqual(later);
    for (const next of later) expect(next > id).toBe(true);
  });

  it("does not repeat, across more ids than one block of random bytes holds", () => {
    const at = Date.now();
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(at)));
    expect(ids.size).toBe(10_000);
  });
});
