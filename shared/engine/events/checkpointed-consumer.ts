import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { EventHead, eventHeadsAfter, eventHeadsByIds, latestEventId } from "../../db/jobs/job-updates";
import { readCheckpoint, writeCheckpoint } from "../../db/notifier-checkpoints";
import { backoffDelay } from "../retries/backoff";
import { EventCursor } from "./event-cursor";

export interface CheckpointedConsumerOptions {
  db: Knex;
  /** The checkpoint's name in notifier_checkpoints. */
  name: string;
  logger: LoggerInstance;
  /**
   * Handles a page of events inside the transaction that advances the checkpoint, so its writes and
   * the checkpoint commit together. Returns the ids it could not handle (they are retried and hold
   * the checkpoint back; the others' writes still commit). Must be idempotent: after a crash the
   * events since the checkpoint are handed over again.
   */
  handle(trx: Knex.Transaction, events: EventHead[]): Promise<{ failedIds: string[] }>;
  /** Runs after each committed step (e.g. drains an outbox); its errors are the caller's to count. */
  afterStep?(): Promise<void>;
  /** Called with each failed step; the step is retried with backoff. */
  onError(error: unknown): void;
  /** After each step: how many events are past the checkpoint. */
  onLag?(events: number): void;
  pageSize?: number;
  idleMs?: number;
  gapGraceMs?: number;
}

const RETRY_BACKOFF = { type: "exponential", baseMs: 250, maxMs: 10_000, jitter: true } as const;

/**
 * A consumer of job_events that never skips one: it reads the events after its checkpoint (polling
 * every `idleMs` when caught up), hands each page to `handle` in a transaction, and stores the new
 * checkpoint in that same transaction. Run it under a leader, so one instance consumes.
 */
export class CheckpointedConsumer {
  private cursor: EventCursor | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private wake: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CheckpointedConsumerOptions) {}

  get checkpoint(): string | undefined {
    return this.cursor?.checkpoint;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
    await this.running;
    this.running = undefined;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      let pause = this.options.idleMs ?? 250;
      try {
        const full = await this.step();
        failures = 0;
        if (full) pause = 0;
      } catch (error) {
        failures += 1;
        this.cursor = undefined; // re-read from the stored checkpoint: nothing of the failed step counts
        this.options.onError(error);
        pause = backoffDelay(RETRY_BACKOFF, failures);
      }
      if (pause > 0 && !this.stopped) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          this.timer = setTimeout(resolve, pause);
        });
      }
    }
  }

  /** One page; true when the page was full (more may be waiting). */
  private async step(): Promise<boolean> {
    const { db, name } = this.options;
    const pageSize = this.options.pageSize ?? 1_000;
    this.cursor ??= new EventCursor((await readCheckpoint(db, name)) ?? "0", this.options.gapGraceMs ?? 10_000);
    const cursor = this.cursor;
    const rechecked = await eventHeadsByIds(db, cursor.recheck);
    const fresh = await eventHeadsAfter(db, cursor.after, pageSize);
    const events = [...rechecked, ...fresh];
    const before = cursor.checkpoint;
    await db.transaction(async (trx) => {
      const { failedIds } = events.length > 0 ? await this.options.handle(trx, events) : { failedIds: [] };
      const checkpoint = cursor.advance(
        events.map((event) => event.id),
        failedIds,
        Date.now(),
      );
      if (checkpoint !== before) await writeCheckpoint(trx, name, checkpoint);
    });
    if (this.options.onLag) this.options.onLag(Number(BigInt(await latestEventId(db)) - BigInt(cursor.checkpoint)));
    await this.options.afterStep?.();
    return fresh.length === pageSize;
  }
}
