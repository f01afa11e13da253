import type { Percentiles } from "./job-timings";

/** Nearest-rank p50/p95/p99 and max of a list of milliseconds (NaN for an empty list). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const rank = (p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]);
  return { p50: rank(0.5), p95: rank(0.95), p99: rank(0.99), max: sorted.length === 0 ? NaN : sorted[sorted.length - 1] };
}
