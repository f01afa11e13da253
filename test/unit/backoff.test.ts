import { backoffDelay } from "../../shared/engine/retries/backoff";

describe("backoffDelay", () => {
  const exponential = { type: "exponential" as const, baseMs: 1_000, maxMs: 10_000, jitter: false };

  it("doubles from the base after each failed attempt", () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(exponential, attempt))).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it("never exceeds the cap", () => {
    expect(backoffDelay(exponential, 5)).toBe(10_000);
    expect(backoffDelay(exponential, 50)).toBe(10_000);
  });

  it("keeps a fixed delay fixed", () => {
    expect(backoffDelay({ ...exponential, type: "fixed" }, 7)).toBe(1_000);
  });

  it("draws jittered delays from the upper half of the delay", () => {
    const jittered = { ...exponential, jitter: true };
    expect(backoffDelay(jittered, 3, () => 0)).toBe(2_000);
    expect(backoffDelay(jittered, 3, () => 0.999999)).toBe(4_000);
    expect(backoffDelay(jittered, 3, () => 0.5)).toBe(3_000);
  });
});
