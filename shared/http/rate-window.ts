/**
 * Fixed-window request counting per key (an API key's id), in one process: each window of
 * `windowMs` allows `limit` requests; past it the caller is told how long until the window turns.
 */
export class RateWindow {
  private counts = new Map<string, number>();
  private windowEndsAt: number;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowEndsAt = now() + windowMs;
  }

  /** Counts one request; returns the seconds to wait when it is over the limit, else undefined. */
  take(key: string): number | undefined {
    const now = this.now();
    if (now >= this.windowEndsAt) {
      this.counts = new Map();
      this.windowEndsAt = now + this.windowMs;
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.limit ? Math.max(1, Math.ceil((this.windowEndsAt - now) / 1000)) : undefined;
  }
}
