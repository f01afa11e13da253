/** Every this many starts, the longest-waiting job goes first whatever its priority. */
export const AGING_EVERY = 10;
const PRIORITY_LEVELS = 11; // 0–10

interface Waiting<T> {
  item: T;
  arrival: number;
}

/** A FIFO with O(1) take, compacted now and then instead of shifted on every take. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  take(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    if (this.head > 1_024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/**
 * The jobs of one queue that a worker holds and may start, at most `limit` running at once. A free
 * slot goes to the highest priority held (oldest first within a priority), except that every
 * `AGING_EVERY`-th start takes the longest-waiting one, so a steady stream of urgent jobs slows the
 * rest down but never stops them (decision 28). Each started item gets its own `release`, which
 * frees its slot once however often it is called.
 */
export class StartGate<T> {
  private readonly levels = Array.from({ length: PRIORITY_LEVELS }, () => new Fifo<Waiting<T>>());
  private arrivals = 0;
  private held = 0;
  private starts = 0;
  private running = 0;
  private closed = false;

  constructor(
    private readonly limit: number,
    private readonly start: (item: T, release: () => void) => void,
  ) {}

  get waiting(): number {
    return this.held;
  }

  offer(item: T, priority: number): void {
    const level = Math.min(PRIORITY_LEVELS - 1, Math.max(0, Math.trunc(priority)));
    this.levels[level].push({ item, arrival: this.arrivals });
    this.arrivals += 1;
    this.held += 1;
    this.pump();
  }

  /** Starts nothing more (the worker is stopping); what is held stays unsettled and goes back with the channel. */
  close(): void {
    this.closed = true;
  }

  private pump(): void {
    while (!this.closed && this.running < this.limit && this.held > 0) {
      const next = this.nextLevel().take() as Waiting<T>;
      this.held -= 1;
      this.running += 1;
      this.start(next.item, this.slotRelease());
    }
  }

  /** Frees one started item's slot for the next, on its first call only. */
  private slotRelease(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.pump();
    };
  }

  /** The level to take from; called only while something is held. */
  private nextLevel(): Fifo<Waiting<T>> {
    this.starts += 1;
    let chosen: Fifo<Waiting<T>> | undefined;
    if (this.starts % AGING_EVERY === 0) {
      for (const level of this.levels) {
        const head = level.peek();
        if (head && (!chosen || head.arrival < (chosen.peek() as Waiting<T>).arrival)) chosen = level;
      }
    } else {
      for (let level = PRIORITY_LEVELS - 1; level >= 0 && !chosen; level -= 1) {
        if (this.levels[level].size > 0) chosen = this.levels[level];
      }
    }
    return chosen as Fifo<Waiting<T>>;
  }
}
