import { Client } from "pg";
import { DATABASE_BACKOFF } from "../retries/database-outage";
import { retryWithBackoff } from "../retries/reconnect-backoff";

export interface PostgresListenerOptions {
  databaseUrl: string;
  logger: { info(message: string): void; warn(message: string): void };
  /** Shown in pg_stat_activity. */
  applicationName: string;
}

export interface ListenOptions {
  /**
   * Runs each time the LISTEN is in place: first with `reconnected: false`, then after every
   * reconnect with `true`. NOTIFYs sent while the connection was down are lost, so a subscriber that
   * must not miss one reads what it missed from its table here. The first run is awaited by `listen()`.
   */
  onListening?(reconnected: boolean): Promise<void> | void;
  /** Unsubscribes when it aborts, also while `listen()` is still waiting for the LISTEN. */
  signal?: AbortSignal;
}

export type Unsubscribe = () => Promise<void>;

interface Subscription {
  channel: string;
  handler(payload: string): void;
  options: ListenOptions;
  /** Resolves when the channel is first LISTENed for it, or when it is unsubscribed first. */
  ready: Promise<void>;
  markReady(): void;
  /** Whether its channel was LISTENed for it before, so the next time is a reconnect. */
  listenedBefore: boolean;
}

const CHANNEL_NAME = /^[a-z_][a-z0-9_]*$/;
/** So that a stop never waits on a server that does not answer. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Every LISTEN of a process over one Postgres connection (river's notifier is the model). When the
 * connection drops, it reconnects with backoff, LISTENs again on every channel that has subscribers,
 * and tells each subscriber (`onListening`), so it can catch up on what was sent meanwhile.
 */
export class PostgresListener {
  private client: Client | undefined;
  private readonly subscriptions = new Set<Subscription>();
  /** Channels LISTENed on the current connection. */
  private readonly listened = new Set<string>();
  private connecting: Promise<void> | undefined;
  private readonly stopping = new AbortController();
  private connectedBefore = false;

  constructor(private readonly options: PostgresListenerOptions) {}

  /** The backend pid of the connection, while connected (tests cut it with pg_terminate_backend). */
  get backendPid(): number | undefined {
    return (this.client as (Client & { processID?: number }) | undefined)?.processID;
  }

  /**
   * Calls `handler` with each NOTIFY payload on `channel`. Resolves once the LISTEN is in place (it
   * waits through reconnects) and the first `onListening` has run; the answer stops the handler.
   */
  async listen(channel: string, handler: (payload: string) => void, options: ListenOptions = {}): Promise<Unsubscribe> {
    if (!CHANNEL_NAME.test(channel)) throw new Error(`"${channel}" is not a channel name Conveyor LISTENs on`);
    if (this.stopping.signal.aborted) throw new Error("The Postgres listener is stopped");
    if (options.signal?.aborted) return async () => undefined;
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const subscription: Subscription = { channel, handler, options, ready, markReady, listenedBefore: false };
    this.subscriptions.add(subscription);
    const unsubscribe = () => this.unsubscribe(subscription);
    options.signal?.addEventListener("abort", () => void unsubscribe(), { once: true });
    if (this.client) await this.listenOn(this.client, subscription);
    else void this.keepConnected();
    await subscription.ready;
    return unsubscribe;
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    for (const subscription of this.subscriptions) subscription.markReady();
    this.subscriptions.clear();
    const client = this.client;
    this.client = undefined;
    await this.connecting;
    await client?.end().catch(() => undefined);
  }

  private async unsubscribe(subscription: Subscription): Promise<void> {
    if (!this.subscriptions.delete(subscription)) return;
    subscription.markReady();
    const { channel } = subscription;
    if ([...this.subscriptions].some((other) => other.channel === channel)) return;
    const client = this.client;
    if (!client || !this.listened.delete(channel)) return;
    // A failed UNLISTEN leaves a channel nobody hears; the next reconnect drops it.
    await client.query(`UNLISTEN ${channel}`).catch(() => undefined);
  }

  /** One connect loop at a time; it ends connected, or when the listener stops. */
  private keepConnected(): Promise<void> {
    this.connecting ??= retryWithBackoff(() => this.connect(), {
      ...DATABASE_BACKOFF,
      signal: this.stopping.signal,
      onFailure: (error) => {
        if (!this.stopping.signal.aborted) this.options.logger.warn(`Postgres LISTEN connection failed (${error.message}); retrying`);
      },
    }).then(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    const client = new Client({
      connectionString: this.options.databaseUrl,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on("error", (error) => this.options.logger.warn(`Postgres LISTEN connection error: ${error.message}`));
    client.on("notification", (message) => {
      for (const subscription of this.subscriptions) {
        if (subscription.channel !== message.channel) continue;
        try {
          subscription.handler(message.payload ?? "");
        } catch (error) {
          // One subscriber's bug must not keep the NOTIFY from the others.
          this.options.logger.warn(`A LISTEN handler on ${message.channel} failed: ${(error as Error).message}`);
        }
      }
    });
    client.on("end", () => this.connectionLost(client));
    try {
      await client.connect();
      this.listened.clear();
      // Subscribers may arrive while a LISTEN is on its way: go round until every channel is covered.
      for (let missing = this.unlistenedChannels(); missing.length > 0; missing = this.unlistenedChannels()) {
        for (const channel of missing) {
          await client.query(`LISTEN ${channel}`);
          this.listened.add(channel);
        }
      }
      if (this.stopping.signal.aborted) throw new Error("stopped while connecting");
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    if (this.connectedBefore) this.options.logger.info("Postgres LISTEN connection back; listening again");
    this.connectedBefore = true;
    await this.announceListening([...this.subscriptions]);
  }

  private unlistenedChannels(): string[] {
    return [...new Set([...this.subscriptions].map((subscription) => subscription.channel))].filter((channel) => !this.listened.has(channel));
  }

  /** LISTENs for a subscription that arrived while connected. */
  private async listenOn(client: Client, subscription: Subscription): Promise<void> {
    const { channel } = subscription;
    if (!this.listened.has(channel)) {
      this.listened.add(channel);
      try {
        await client.query(`LISTEN ${channel}`);
      } catch (error) {
        // The connection is going; its reconnect LISTENs again and makes the subscription ready.
        this.options.logger.warn(`Could not LISTEN on ${channel}: ${(error as Error).message}`);
        return;
      }
    }
    await this.announceListening([subscription]);
  }

  private async announceListening(subscriptions: Subscription[]): Promise<void> {
    await Promise.all(
      subscriptions.map(async (subscription) => {
        const reconnected = subscription.listenedBefore;
        subscription.listenedBefore = true;
        try {
          await subscription.options.onListening?.(reconnected);
        } catch (error) {
          this.options.logger.warn(`A LISTEN subscriber on ${subscription.channel} failed to catch up: ${(error as Error).message}`);
        }
        subscription.markReady();
      }),
    );
  }

  private connectionLost(client: Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.listened.clear();
    if (this.stopping.signal.aborted) return;
    this.options.logger.warn("Postgres LISTEN connection lost; reconnecting");
    void this.keepConnected();
  }
}
