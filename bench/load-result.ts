/** What a load generator saw from the producer's side. */
export interface LoadResult {
  /** Epoch ms just before the first enqueue was sent. */
  startedAt: number;
  /** Epoch ms when the last accepted enqueue was answered. */
  lastAnsweredAt: number;
  accepted: number;
  failed: number;
  /** A few distinct failure messages. */
  failures: string[];
  /** Round-trip milliseconds of each call or request. */
  callMs: number[];
  /** Open loop only: how late each request was started against its schedule, ms. */
  sendLagMs: number[];
}

export class LoadRecorder {
  readonly startedAt = Date.now();
  private lastAnsweredAt = this.startedAt;
  private accepted = 0;
  private failed = 0;
  private readonly failures = new Set<string>();
  private readonly callMs: number[] = [];
  private readonly sendLagMs: number[] = [];

  sendLag(ms: number): void {
    this.sendLagMs.push(ms);
  }

  /** Runs one call, timing it; `jobs` is how many jobs it enqueues. */
  async time(jobs: number, call: () => Promise<void>): Promise<void> {
    const started = performance.now();
    try {
      await call();
      this.accepted += jobs;
      this.lastAnsweredAt = Date.now();
    } catch (error) {
      this.failed += jobs;
      if (this.failures.size < 5) this.failures.add(error instanceof Error ? error.message : String(error));
    } finally {
      this.callMs.push(performance.now() - started);
    }
  }

  result(): LoadResult {
    return {
      startedAt: this.startedAt,
      lastAnsweredAt: this.lastAnsweredAt,
      accepted: this.accepted,
      failed: this.failed,
      failures: [...this.failures],
      callMs: this.callMs,
      sendLagMs: this.sendLagMs,
    };
  }
}
