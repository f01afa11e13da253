import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { JOB_EVENTS_CHANNEL } from "../../lib/event-names";
import { JobUpdate, updatesAfter, updatesByEventIds } from "../../db/jobs/job-updates";
import { SerialBatcher } from "../../lib/serial-batcher";
import { retryWithBackoff } from "../retries/reconnect-backoff";
import type { PostgresListener } from "./postgres-listener";
import { RecentIds } from "./recent-ids";

export interface JobEventListenerOptions {
  listener: PostgresListener;
  db: Knex;
  logger: LoggerInstance;
  /** Where to start, read at each start: the last event id already handled (a checkpoint). */
  startAfter(): Promise<string>;
  /** Receives updates in id order, batched. Errors are logged and the batch is not retried. */
  onUpdates(updates: JobUpdate[]): Promise<void>;
}

/**
 * Turns Postgres NOTIFYs from job transitions into JobUpdate batches.
 *
 * Each NOTIFY names the job_events ids its transaction wrote, so nothing uncommitted is ever
 * announced. When the LISTEN connection drops, the Postgres listener reconnects, and this one replays
 * from job_events: everything after the last id it handled, minus an overlap that covers transactions
 * that commit out of id order; ids it already handled are skipped. Nothing committed goes unannounced.
 */
export class JobEventListener {
  /** A maintenance service's name: the notifier's maintainer runs it under leadership. */
  readonly name = "job event listener";
  private lastHandledId = 0n;
  private readonly handled = new RecentIds(200_000);
  private readonly batcher: SerialBatcher<string>;
  private stopping = new AbortController();
  /** Ids announced while a replay runs: held back so nothing is emitted ahead of what the replay reads. */
  private heldBack: string[] | undefined;

  constructor(private readonly options: JobEventListenerOptions) {
    this.batcher = new SerialBatcher<string>((ids) => this.deliver(ids), 2_000, 0, (error) =>
      options.logger.error("Could not load announced job events", error),
    );
  }

  get lastEventId(): string {
    return this.lastHandledId.toString();
  }

  /** LISTENs, then replays what committed before the LISTEN was in place. */
  async start(): Promise<void> {
    this.stopping = new AbortController();
    this.lastHandledId = BigInt(await this.options.startAfter());
    await this.options.listener.listen(
      JOB_EVENTS_CHANNEL,
      (payload) => {
        for (const id of payload.split(",")) {
          if (!id) continue;
          if (this.heldBack) this.heldBack.push(id);
          else this.batcher.add(id);
        }
      },
      {
        onListening: (reconnected) => this.catchUp(reconnected ? JobEventListener.REPLAY_OVERLAP : 0n),
        signal: this.stopping.signal,
      },
    );
  }

  async stop(): Promise<void> {
    // Unsubscribes (also while start() still waits for the LISTEN) and ends a replay in progress.
    this.stopping.abort();
    await this.batcher.drain();
  }

  /** Whatever committed before the LISTEN is read from the table, retried until it works or we stop. */
  private async catchUp(overlap: bigint): Promise<void> {
    this.heldBack ??= [];
    try {
      await this.replayUntilDone(overlap);
    } finally {
      const held = this.heldBack ?? [];
      this.heldBack = undefined;
      for (const id of held) this.batcher.add(id);
    }
  }

  private async replayUntilDone(overlap: bigint): Promise<void> {
    await retryWithBackoff(() => this.replay(overlap), {
      initialMs: 100,
      maxMs: 5_000,
      signal: this.stopping.signal,
      onFailure: (error) => this.options.logger.warn(`Notifier could not replay job events (${error.message}); retrying`),
    });
  }

  /**
   * Ids below the last handled one that a reconnect re-reads, for transactions that committed out of id
   * order while the connection was down; the handled set skips the ones already delivered.
   */
  private static readonly REPLAY_OVERLAP = 10_000n;
  private static readonly REPLAY_PAGE = 2_000;

  private async replay(overlap: bigint): Promise<void> {
    const floor = this.lastHandledId - overlap;
    let after = (floor > 0n ? floor : 0n).toString();
    for (;;) {
      const page = await updatesAfter(this.options.db, after, {}, JobEventListener.REPLAY_PAGE);
      if (page.length === 0) return;
      await this.emit(page);
      after = page[page.length - 1].id;
      if (page.length < JobEventListener.REPLAY_PAGE) return;
    }
  }

  private async deliver(ids: string[]): Promise<void> {
    const fresh = [...new Set(ids)].filter((id) => !this.handled.has(id));
    if (fresh.length === 0) return;
    await this.emit(await updatesByEventIds(this.options.db, fresh));
  }

  private async emit(updates: JobUpdate[]): Promise<void> {
    const fresh = updates.filter((update) => !this.handled.has(update.id));
    if (fresh.length === 0) return;
    for (const update of fresh) {
      this.handled.add(update.id);
      const id = BigInt(update.id);
      if (id > this.lastHandledId) this.lastHandledId = id;
    }
    try {
      await this.options.onUpdates(fresh);
    } catch (error) {
      this.options.logger.error("A job update subscriber failed", error);
    }
  }
}
