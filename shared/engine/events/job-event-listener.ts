import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { Client } from "pg";
import { JOB_EVENTS_CHANNEL } from "../../lib/event-names";
import { JobUpdate, updatesAfter, updatesByEventIds } from "../../db/jobs/job-updates";
import { SerialBatcher } from "../../lib/serial-batcher";
import { RecentIds } from "./recent-ids";

export interface JobEventListenerOptions {
  databaseUrl: string;
  db: Knex;
  logger: LoggerInstance;
  /** Where to start: the last event id already handled (a checkpoint). */
  startAfter: string;
  /** Receives updates in id order, batched. Errors are logged and the batch is not retried. */
  onUpdates(updates: JobUpdate[]): Promise<void>;
}

/**
 * Turns Postgres NOTIFYs from job transitions into JobUpdate batches.
 *
 * Each NOTIFY names the job_events ids its transaction wrote, so nothing uncommitted is ever
 * announced. When the connection drops, the listener reconnects and replays from job_events:
 * everything after the last id it handled, minus an overlap that covers transactions that commit out
 * of id order; ids it already handled are skipped. Nothing committed goes unannounced.
 */
export class JobEventListener {
  private client: Client | undefined;
  private lastHandledId: bigint;
  private readonly handled = new RecentIds(200_000);
  private readonly batcher: SerialBatcher<string>;
  private stopped = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: JobEventListenerOptions) {
    this.lastHandledId = BigInt(options.startAfter);
    this.batcher = new SerialBatcher<string>((ids) => this.deliver(ids), 2_000, 0, (error) =>
      options.logger.error("Could not load announced job events", error),
    );
  }

  get lastEventId(): string {
    return this.lastHandledId.toString();
  }

  /** The Postgres backend pid of the LISTEN connection (tests use it to cut the connection). */
  get backendPid(): number | undefined {
    return (this.client as (Client & { processID?: number }) | undefined)?.processID;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect(0n);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
    await this.batcher.drain();
  }

  /** Connects, LISTENs, then replays what committed meanwhile, re-reading `overlap` ids below the last handled. */
  private async connect(overlap: bigint): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: "conveyor-notifier" });
    client.on("error", (error) => this.options.logger.warn(`Notifier's Postgres connection failed: ${error.message}`));
    client.on("end", () => {
      if (this.client !== client || this.stopped) return;
      this.client = undefined;
      this.scheduleReconnect(250);
    });
    client.on("notification", (message) => {
      if (message.channel !== JOB_EVENTS_CHANNEL || !message.payload) return;
      for (const id of message.payload.split(",")) this.batcher.add(id);
    });
    await client.connect();
    await client.query(`LISTEN ${JOB_EVENTS_CHANNEL}`);
    this.client = client;
    // LISTEN is in place: whatever committed before it is picked up from the table.
    await this.replay(overlap);
  }

  private scheduleReconnect(delayMs: number): void {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.connect(JobEventListener.REPLAY_OVERLAP).catch((error: Error) => {
        this.options.logger.warn(`Notifier could not reconnect to Postgres (${error.message}); retrying`);
        this.scheduleReconnect(Math.min(delayMs * 2, 5_000));
      });
    }, delayMs);
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
