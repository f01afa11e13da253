import { setTimeout as sleep } from "node:timers/promises";
import type { LoggerInstance } from "moleculer";
import { Client } from "pg";
import { ReconnectBackoff } from "./retries/reconnect-backoff";

export interface LeadershipOptions {
  databaseUrl: string;
  /** Advisory lock key; one per role (notifier, scheduler, …). */
  lockKey: number;
  /** Shown in pg_stat_activity. */
  name: string;
  logger: LoggerInstance;
  /** How often a follower asks for the lock; also the longest wait after a failed check. */
  retryMs: number;
  onElected(): Promise<void>;
  onDeposed(): Promise<void>;
}

/**
 * Leader election with a Postgres session advisory lock on a dedicated connection: the replica that
 * holds the lock leads. A leader that dies or loses its connection releases the lock with its session,
 * and a follower takes over within `retryMs`. A check that fails (Postgres unreachable) is retried
 * with backoff, never slower than `retryMs`.
 */
export class Leadership {
  private client: Client | undefined;
  private leading = false;
  private stopping = new AbortController();
  private campaigning = false;
  private readonly backoff: ReconnectBackoff;

  constructor(private readonly options: LeadershipOptions) {
    this.backoff = new ReconnectBackoff({ initialMs: Math.min(100, options.retryMs), maxMs: options.retryMs });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopping = new AbortController();
    void this.campaign();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.depose();
  }

  /** Asks for the lock until it gets it or stops; one loop at a time. */
  private async campaign(): Promise<void> {
    if (this.campaigning) return;
    this.campaigning = true;
    try {
      const { signal } = this.stopping;
      while (!signal.aborted && !this.leading) {
        const retry = (await this.tryToLead()) ? sleep(this.options.retryMs, true, { signal }) : this.backoff.wait(signal);
        if (!(await retry.catch(() => false))) return;
      }
    } finally {
      this.campaigning = false;
    }
  }

  /** One check; false when it failed (Postgres unreachable, or onElected threw). */
  private async tryToLead(): Promise<boolean> {
    try {
      const client = this.client ?? (await this.connect());
      const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [
        this.options.lockKey,
      ]);
      this.backoff.reset();
      if (rows[0].locked && !this.stopping.signal.aborted) {
        this.leading = true;
        this.options.logger.info(`${this.options.name}: elected leader`);
        await this.options.onElected();
      }
      return true;
    } catch (error) {
      this.options.logger.warn(`${this.options.name}: leadership check failed: ${(error as Error).message}`);
      await this.depose();
      return false;
    }
  }

  private async connect(): Promise<Client> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: this.options.name });
    client.on("error", (error) => this.options.logger.warn(`${this.options.name}: connection error: ${error.message}`));
    client.on("end", () => {
      if (this.client !== client) return;
      this.client = undefined;
      void this.depose().then(() => this.campaign());
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
