import { ExpiringCache } from "../../shared/lib/expiring-cache";

describe("ExpiringCache", () => {
  it("answers an entry until its own expiry, and nothing after", () => {
    const cache = new ExpiringCache<string>(10);
    cache.set("a", "first", 1_000);
    expect(cache.get("a", 999)).toBe("first");
    expect(cache.get("a", 1_000)).toBeUndefined();
    expect(cache.get("a", 500)).toBeUndefined(); // an expired entry is gone, not kept for later
  });

  it("starts over when full, so distinct keys cannot grow it past its bound", () => {
    const cache = new ExpiringCache<number>(2);
    cache.set("a", 1, Infinity);
    cache.set("b", 2, Infinity);
    cache.set("c", 3, Infinity);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, undefined, 3]);
  });
});
