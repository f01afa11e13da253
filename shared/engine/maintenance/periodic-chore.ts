import type { MaintenanceService } from "./maintenance-service";

export interface PeriodicChoreOptions {
  name: string;
  intervalMs: number;
  /** One run. It logs its own failures: a run that throws is not retried before the next tick. */
  run(): Promise<void>;
  /** Runs once at start instead of waiting a whole interval first. */
  runAtStart?: boolean;
  /** Runs once more at stop (a last checkpoint). */
  runAtStop?: boolean;
}

/** A chore that runs every `intervalMs`; runs never overlap, and `stop()` waits for the one in progress. */
export class PeriodicChore implements MaintenanceService {
  readonly name: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: PeriodicChoreOptions) {
    this.name = options.name;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.options.intervalMs);
    if (this.options.runAtStart) this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    if (this.options.runAtStop) await this.options.run();
  }

  private tick(): void {
    this.running = this.running.then(() => this.options.run());
  }
}
