/**
 * Where a checkpointed consumer of job_events stands.
 *
 * Event ids come from a sequence, so a transaction can commit an id below one already read (it took
 * its id first and committed later), and a rolled-back transaction leaves a hole forever. The cursor
 * reads on from the highest id it has seen, remembers each hole it skipped and re-checks it until it
 * appears or `gapGraceMs` has passed (then it was rolled back). Events whose handling failed are
 * retried until they succeed. The durable checkpoint is the id below the oldest open hole or failed
 * event: a restart re-reads from there, and handlers are idempotent, so nothing is skipped.
 */
export class EventCursor {
  private readPosition: bigint;
  private durable: bigint;
  /** Missing ids, with when each was first found missing. */
  private readonly gaps = new Map<bigint, number>();
  /** Ids whose handling failed; retried, and never given up on. */
  private readonly failed = new Set<bigint>();

  constructor(
    checkpoint: string,
    private readonly gapGraceMs: number,
    /** A jump of more ids than this (a sequence moved by hand) is not tracked hole by hole. */
    private readonly maxGaps = 50_000,
  ) {
    this.durable = BigInt(checkpoint);
    this.readPosition = this.durable;
  }

  /** Read new events after this id. */
  get after(): string {
    return this.readPosition.toString();
  }

  get checkpoint(): string {
    return this.durable.toString();
  }

  /** Ids to read again by id: open holes and failed events. */
  get recheck(): string[] {
    return [...this.gaps.keys(), ...this.failed].map(String);
  }

  /**
   * Takes in one step: `read` are the ids found (new ones after `after`, and rechecked ones), `failedIds`
   * those among them whose handling failed. Returns the checkpoint to store with the step's writes;
   * call it only once those writes are committed.
   */
  advance(read: string[], failedIds: string[], now: number): string {
    const readIds = read.map(BigInt);
    const failedSet = new Set(failedIds.map(BigInt));
    let highest = this.readPosition;
    for (const id of readIds) if (id > highest) highest = id;
    const seen = new Set(readIds);
    if (highest - this.readPosition <= BigInt(this.maxGaps)) {
      for (let id = this.readPosition + 1n; id < highest; id++) if (!seen.has(id)) this.gaps.set(id, now);
    }
    for (const id of readIds) {
      this.gaps.delete(id);
      if (failedSet.has(id)) this.failed.add(id);
      else this.failed.delete(id);
    }
    for (const [id, since] of this.gaps) if (now - since >= this.gapGraceMs) this.gaps.delete(id);
    this.readPosition = highest;
    let oldestOpen = highest + 1n;
    for (const id of [...this.gaps.keys(), ...this.failed]) if (id < oldestOpen) oldestOpen = id;
    this.durable = oldestOpen - 1n;
    return this.checkpoint;
  }
}
