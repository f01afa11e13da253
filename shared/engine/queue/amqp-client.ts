import amqp, { ChannelModel } from "amqplib";
import { retryWithBackoff } from "../retries/reconnect-backoff";

export interface Logger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

type SetupHook = (connection: ChannelModel) => Promise<void>;

const RECONNECT = { initialMs: 200, maxMs: 5_000 };

/**
 * One AMQP connection that comes back by itself. Publishers and consumers register a setup hook,
 * which runs on every (re)connection to open their channels again; nothing else holds a channel
 * across a reconnect.
 */
export class AmqpClient {
  private connection: ChannelModel | undefined;
  private readonly setupHooks: SetupHook[] = [];
  private stopping = new AbortController();

  constructor(
    private readonly url: string,
    private readonly logger: Logger,
    /** Shown in RabbitMQ's connection list, so an operator can tell which node a connection is. */
    private readonly connectionName: string,
  ) {}

  get connected(): boolean {
    return this.connection !== undefined;
  }

  /** The live connection, for short-lived channels (inspection); undefined while reconnecting. */
  get currentConnection(): ChannelModel | undefined {
    return this.connection;
  }

  /** Connects, retrying with backoff until it works or `stop()` is called. */
  async start(): Promise<void> {
    this.stopping = new AbortController();
    await this.keepConnected();
  }

  private async keepConnected(): Promise<void> {
    await retryWithBackoff(() => this.connect(), {
      ...RECONNECT,
      signal: this.stopping.signal,
      onFailure: (error) => this.logger.warn(`RabbitMQ not reachable (${error.message}); retrying`),
    });
  }

  /** Adds a hook and, when already connected, runs it now. */
  async onConnect(hook: SetupHook): Promise<void> {
    this.setupHooks.push(hook);
    if (this.connection) await hook(this.connection);
  }

  removeHook(hook: SetupHook): void {
    const index = this.setupHooks.indexOf(hook);
    if (index >= 0) this.setupHooks.splice(index, 1);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    const connection = this.connection;
    this.connection = undefined;
    if (connection) await connection.close().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const connection = await amqp.connect(this.url, { clientProperties: { connection_name: this.connectionName } });
    connection.on("error", (error: Error) => this.logger.warn(`RabbitMQ connection error: ${error.message}`));
    connection.on("close", () => {
      if (this.connection !== connection) return;
      this.connection = undefined;
      if (this.stopping.signal.aborted) return;
      this.logger.warn("RabbitMQ connection closed; reconnecting");
      void this.keepConnected();
    });
    try {
      for (const hook of this.setupHooks) await hook(connection);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.connection = connection;
    this.logger.info("Connected to RabbitMQ");
  }
}
