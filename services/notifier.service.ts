import { Service, ServiceBroker } from "moleculer";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { latestEventId } from "../shared/db/jobs/job-updates";
import { readCheckpoint } from "../shared/db/notifier-checkpoints";
import { JOB_UPDATED, JOB_UPDATES_BROADCAST, jobTypeEvent } from "../shared/lib/event-names";
import { JobEventListener } from "../shared/engine/events/job-event-listener";
import { Maintainer } from "../shared/engine/maintenance/maintainer";
import { notifierCheckpoint } from "../shared/engine/maintenance/notifier-checkpoint";
import { Runtime, runtimeFor } from "../shared/engine/runtime";

const CHECKPOINT = "notifier";
const LEADER_LOCK_KEY = 0x0c0_0e7e;
/** Updates per broadcast message, to keep each transporter message small. */
const BROADCAST_CHUNK = 200;

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

  private async announce(updates: JobUpdate[]): Promise<void> {
    for (let start = 0; start < updates.length; start += BROADCAST_CHUNK) {
      await this.broker.broadcast(JOB_UPDATES_BROADCAST, { updates: updates.slice(start, start + BROADCAST_CHUNK) });
    }
    for (const update of updates) {
      await this.broker.emit(JOB_UPDATED, update);
      await this.broker.emit(jobTypeEvent(update.type), update);
    }
  }
}
