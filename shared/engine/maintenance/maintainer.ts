import type { LoggerInstance } from "moleculer";
import { Leadership, LeadershipOptions } from "../leadership";
import type { MaintenanceService } from "./maintenance-service";

export interface MaintainerOptions {
  logger: LoggerInstance;
  /** Run on every replica (they share work through SKIP LOCKED or competing consumers). */
  everywhere?: MaintenanceService[];
  /** Run only on the replica that holds the election's lock, and stopped when it loses it. */
  leader?: {
    election: Omit<LeadershipOptions, "logger" | "onElected" | "onDeposed">;
    services: MaintenanceService[];
  };
}

/**
 * Starts and stops a service's background chores (river's queue maintainer is the model): the ones
 * every replica runs at once, the leader's when elected. Services start in the order given and stop
 * in reverse, so a chore can rely on the ones before it.
 */
export class Maintainer {
  private readonly leadership: Leadership | undefined;

  constructor(private readonly options: MaintainerOptions) {
    const { leader, logger } = options;
    this.leadership = leader
      ? new Leadership({
          ...leader.election,
          logger,
          onElected: () => this.startAll(leader.services),
          onDeposed: () => this.stopAll(leader.services),
        })
      : undefined;
  }

  get isLeader(): boolean {
    return this.leadership?.isLeader ?? false;
  }

  async start(): Promise<void> {
    await this.startAll(this.options.everywhere ?? []);
    this.leadership?.start();
  }

  async stop(): Promise<void> {
    await this.leadership?.stop();
    await this.stopAll(this.options.everywhere ?? []);
  }

  private async startAll(services: MaintenanceService[]): Promise<void> {
    for (const service of services) await service.start();
  }

  /** Stops each in reverse order; one that fails to stop does not keep the others running. */
  private async stopAll(services: MaintenanceService[]): Promise<void> {
    for (const service of [...services].reverse()) {
      await service.stop().catch((error: Error) => this.options.logger.warn(`Stopping ${service.name} failed: ${error.message}`));
    }
  }
}
