/**
 * Collects items and hands them to `flush` in batches, with at most one flush in flight: while a
 * batch is being written, the next one grows. Under load batches get large on their own; when idle
 * an item waits at most `lingerMs` (0: the next turn of the event loop).
 */
export class SerialBatcher<T> {
  private pending: T[] = [];
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly maxBatch: number,
    private readonly lingerMs: number,
    private readonly onError: (error: unknown, items: T[]) => void,
  ) {}

  get size(): number {
    return this.pending.length;
  }

  add(item: T): void {
    this.pending.push(item);
    this.schedule();
  }

  /** Resolves once everything added so far has been flushed. */
  async drain(): Promise<void> {
    while (this.pending.length > 0 || this.flushing) {
      if (this.flushing) await this.flushing;
      else this.run();
    }
  }

  private schedule(): void {
    if (this.flushing || this.timer) return;
    if (this.pending.length >= this.maxBatch) return this.run();
    this.timer = setTimeout(() => this.run(), this.lingerMs);
  }

  private run(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.flushing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.maxBatch);
    this.flushing = this.flush(batch)
      .catch((error: unknown) => this.onError(error, batch))
      .finally(() => {
        this.flushing = undefined;
        if (this.pending.length > 0) this.schedule();
      });
  }
}
