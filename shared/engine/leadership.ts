import type { LoggerInstance } from "moleculer";
import { Client } from "pg";

export interface LeadershipOptions {
  databaseUrl: string;
  /** Advisory lock key; one per role (notifier, scheduler, …). */
  lockKey: number;
  /** Shown in pg_stat_activity. */
  name: string;
  logger: LoggerInstance;
  /** How often a follower asks for the lock. */
  retryMs: number;
  onElected(): Promise<void>;
  onDeposed(): Promise<void>;
}

/**
 * Leader election with a Postgres session advisory lock on a dedicated connection: the replica that
 * holds the lock leads. A leader that dies or loses its connection releases the lock with its session,
 * and a follower takes over within `retryMs`.
 */
export class Leadership {
  private client: Client | undefined;
  private leading = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LeadershipOptions) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.attempt();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.depose();
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.leading) return;
    try {
      const client = this.client ?? (await this.connect());
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        this.options.lockKey,
      ]);
      if (rows[0].locked && !this.stopped) {
        this.leading = true;
        this.options.logger.info(`${this.options.name}: elected leader`);
        await this.options.onElected();
        return;
      }
    } catch (error) {
      this.options.logger.warn(`${this.options.name}: leadership check failed: ${(error as Error).message}`);
      await this.depose();
    }
    this.retryLater();
  }

  private retryLater(): void {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => void this.attempt(), this.options.retryMs);
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: this.options.name });
    client.on("error", (error) => this.options.logger.warn(`${this.options.name}: connection error: ${error.message}`));
    client.on("end", () => {
      if (this.client !== client) return;
      this.client = undefined;
      void this.depose().then(() => this.retryLater());
    });
    await client.connect();
    this.client = client;
    return client;
  }

  /** Gives up leadership (if held) and the connection, which releases the lock. */
  private async depose(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (this.leading) {
      this.leading = false;
      this.options.logger.info(`${this.options.name}: no longer leader`);
      await this.options.onDeposed().catch(() => undefined);
    }
    await client?.end().catch(() => undefined);
  }
}
