import { Service, ServiceBroker } from "moleculer";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { latestEventId } from "../shared/db/jobs/job-updates";
import { readCheckpoint } from "../shared/db/notifier-checkpoints";
import { JOB_UPDATED, JOB_UPDATES_BROADCAST, jobTypeEvent } from "../shared/lib/event-names";
import { batchesWithin, boundedUpdate } from "../shared/engine/events/bounded-update";
import { JobEventListener } from "../shared/engine/events/job-event-listener";
import { Maintainer } from "../shared/engine/maintenance/maintainer";
import { notifierCheckpoint } from "../shared/engine/maintenance/notifier-checkpoint";
import { Runtime, runtimeFor } from "../shared/engine/runtime";

const CHECKPOINT = "notifier";
const LEADER_LOCK_KEY = 0x0c0_0e7e;

/**
 * Announces job transitions: LISTENs on Postgres and re-emits each committed transition as Moleculer
 * events. Replicas elect one leader (an advisory lock), so each update is emitted once; a new leader
 * resumes from the checkpoint the old one wrote.
 */
export default class NotifierService extends Service {
  private runtime!: Runtime;
  private maintainer: Maintainer | undefined;
  private listener: JobEventListener | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "notifier",
      actions: {
        status: () => {
          const leader = this.maintainer?.isLeader ?? false;
          return {
            leader,
            lastEventId: leader ? (this.listener?.lastEventId ?? null) : null,
            listenerPid: leader ? (this.runtime.listener.backendPid ?? null) : null,
          };
        },
      },
      started: () => this.startService(),
      stopped: () => this.maintainer?.stop(),
    });
  }

  private async startService(): Promise<void> {
    this.runtime = await runtimeFor(this.broker);
    const { db, listener } = this.runtime;
    const jobEvents = new JobEventListener({
      listener,
      db,
      logger: this.logger,
      startAfter: async () => (await readCheckpoint(db, CHECKPOINT)) ?? (await latestEventId(db)),
      onUpdates: (updates) => this.announce(updates),
    });
    this.listener = jobEvents;
    this.maintainer = new Maintainer({
      logger: this.logger,
      leader: {
        election: { databaseUrl: this.runtime.config.DATABASE_URL, lockKey: LEADER_LOCK_KEY, name: "conveyor-notifier-leader", retryMs: 1_000 },
        // The checkpoint starts first, so it stops last and saves what the listener handled to the end.
        services: [notifierCheckpoint({ db, name: CHECKPOINT, lastEventId: () => jobEvents.lastEventId, logger: this.logger }), jobEvents],
      },
    });
    await this.maintainer.start();
  }

  /**
   * Every message stays within a byte budget: large payloads and results travel by reference
   * (`omitted`), and the broadcast is split into batches of at most BROADCAST_BUDGET_BYTES.
   */
  private async announce(fullUpdates: JobUpdate[]): Promise<void> {
    const updates = fullUpdates.map(boundedUpdate);
    for (const batch of batchesWithin(updates)) {
      await this.broker.broadcast(JOB_UPDATES_BROADCAST, { updates: batch });
    }
    for (const update of updates) {
      await this.broker.emit(JOB_UPDATED, update);
      await this.broker.emit(jobTypeEvent(update.type), update);
    }
  }
}
