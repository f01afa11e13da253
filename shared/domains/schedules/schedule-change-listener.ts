import type { LoggerInstance } from "moleculer";
import { Client } from "pg";
import { SCHEDULE_CHANGES_CHANNEL } from "../../lib/event-names";

export interface ScheduleChangeListenerOptions {
  databaseUrl: string;
  logger: LoggerInstance;
  onChange(scheduleId: string): void;
}

const RECONNECT_MS = 1_000;

/**
 * LISTENs for schedule changes on a connection of its own and reconnects when it drops. It only
 * shortens the scheduler's wait: a notification lost while reconnecting is made up by the scheduler's
 * poll (at most a second later), so nothing is replayed.
 */
export class ScheduleChangeListener {
  private client: Client | undefined;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ScheduleChangeListenerOptions) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new Client({ connectionString: this.options.databaseUrl, application_name: "conveyor-scheduler-listener" });
    client.on("error", (error) => this.options.logger.warn(`Scheduler's LISTEN connection failed: ${error.message}`));
    client.on("end", () => {
      if (this.client !== client) return;
      this.client = undefined;
      this.reconnectLater();
    });
    client.on("notification", (message) => {
      if (message.channel === SCHEDULE_CHANGES_CHANNEL) this.options.onChange(message.payload ?? "");
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SCHEDULE_CHANGES_CHANNEL}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.client = client;
    } catch (error) {
      this.options.logger.warn(`Scheduler could not LISTEN for schedule changes (${(error as Error).message}); polling meanwhile`);
      await client.end().catch(() => undefined);
      this.reconnectLater();
    }
  }

  private reconnectLater(): void {
    clearTimeout(this.timer);
    if (!this.stopped) this.timer = setTimeout(() => void this.connect(), RECONNECT_MS);
  }
}
