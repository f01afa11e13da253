import { setTimeout as sleep } from "node:timers/promises";
import { backoffDelay } from "./backoff";

export interface ReconnectBackoffOptions {
  /** The wait after the first failure. */
  initialMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/**
 * The waits of a reconnect loop: `initialMs`, doubling after each failure up to `maxMs`, jittered
 * (the same arithmetic as a task's retries, so many clients that lost one server do not come back in
 * step), and back to `initialMs` after `reset()`. `wait()` ends early when its signal aborts, so a
 * stopping owner never sits out a delay.
 */
export class ReconnectBackoff {
  private failures = 0;

  constructor(private readonly options: ReconnectBackoffOptions) {}

  /** The delay to wait after one more failure. */
  nextDelay(): number {
    this.failures += 1;
    return backoffDelay({ type: "exponential", baseMs: this.options.initialMs, maxMs: this.options.maxMs, jitter: true }, this.failures);
  }

  reset(): void {
    this.failures = 0;
  }

  /** Waits the next delay; false when the signal aborted first (the caller stops trying). */
  async wait(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return false;
    try {
      await sleep(this.nextDelay(), undefined, { signal });
      return true;
    } catch {
      return false;
    }
  }
}

export interface RetryOptions extends ReconnectBackoffOptions {
  /** Giving up: the loop ends (false) instead of waiting or trying again. */
  signal: AbortSignal;
  /** Hears about every failed attempt that will be tried again. */
  onFailure(error: Error): void;
  /** Which failures are worth another attempt; any other is thrown to the caller. Default: all. */
  isTransient?(error: unknown): boolean;
}

/**
 * Runs `attempt` until it resolves, waiting the backoff between failures. Resolves true once it
 * succeeded, false when `signal` aborted first; a failure `isTransient` rejects is thrown at once.
 */
export async function retryWithBackoff(attempt: () => Promise<void>, options: RetryOptions): Promise<boolean> {
  const backoff = new ReconnectBackoff(options);
  while (!options.signal.aborted) {
    try {
      await attempt();
      return true;
    } catch (error) {
      if (options.isTransient && !options.isTransient(error)) throw error;
      options.onFailure(error as Error);
      if (!(await backoff.wait(options.signal))) return false;
    }
  }
  return false;
}
