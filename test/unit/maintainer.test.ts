import type { LoggerInstance } from "moleculer";
import { Maintainer } from "../../shared/engine/maintenance/maintainer";
import type { MaintenanceService } from "../../shared/engine/maintenance/maintenance-service";
import { waitFor } from "../support/wait-for";

const databaseUrl = process.env.DATABASE_URL as string;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as LoggerInstance;

/** A chore that writes what happens to it into a shared log. */
function recorded(name: string, log: string[]): MaintenanceService {
  return {
    name,
    start: async () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
  };
}

describe("Maintainer", () => {
  it("starts its chores in order and stops them in reverse", async () => {
    const log: string[] = [];
    const maintainer = new Maintainer({ logger: quiet, everywhere: [recorded("sweeper", log), recorded("keeper", log)] });
    await maintainer.start();
    await maintainer.stop();
    expect(log).toEqual(["start sweeper", "start keeper", "stop keeper", "stop sweeper"]);
  });

  it("runs the leader's chores on one replica only, and on another once the leader stops", async () => {
    const lockKey = 0x7e57_0000 + (process.pid % 0xffff);
    const replica = (log: string[]) =>
      new Maintainer({
        logger: quiet,
        leader: { election: { databaseUrl, lockKey, name: "maintainer-test", retryMs: 100 }, services: [recorded("pruner", log)] },
      });
    const firstLog: string[] = [];
    const secondLog: string[] = [];
    const first = replica(firstLog);
    const second = replica(secondLog);
    await first.start();
    await waitFor(async () => first.isLeader, Boolean);
    await second.start();
    try {
      expect(firstLog).toEqual(["start pruner"]);
      expect(second.isLeader).toBe(false);

      await first.stop();
      expect(firstLog).toEqual(["start pruner", "stop pruner"]);
      await waitFor(async () => second.isLeader, Boolean);
      expect(secondLog).toEqual(["start pruner"]);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
