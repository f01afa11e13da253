export interface BackoffOptions {
  type: "exponential" | "fixed";
  /** Delay after the first failed attempt. */
  baseMs: number;
  /** Upper bound for any delay. */
  maxMs: number;
  /** Spread retries of many jobs that failed together: the delay is drawn from [delay/2, delay]. */
  jitter: boolean;
}

export const DEFAULT_BACKOFF: BackoffOptions = { type: "exponential", baseMs: 1_000, maxMs: 60_000, jitter: true };

/** Delay before the attempt after `failedAttempt` (1-based). */
export function backoffDelay(options: BackoffOptions, failedAttempt: number, random: () => number = Math.random): number {
  const raw =
    options.type === "fixed" ? options.baseMs : options.baseMs * 2 ** Math.max(0, failedAttempt - 1);
  const capped = Math.min(options.maxMs, raw);
  return Math.round(options.jitter ? capped / 2 + random() * (capped / 2) : capped);
}
