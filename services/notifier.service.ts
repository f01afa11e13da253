import { Service, ServiceBroker } from "moleculer";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { latestEventId } from "../shared/db/jobs/job-updates";
import { readCheckpoint, writeCheckpoint } from "../shared/db/notifier-checkpoints";
import { JOB_UPDATED, JOB_UPDATES_BROADCAST, jobTypeEvent } from "../shared/lib/event-names";
import { JobEventListener } from "../shared/engine/events/job-event-listener";
import { Leadership } from "../shared/engine/leadership";
import { Runtime, runtimeFor } from "../shared/engine/runtime";

const CHECKPOINT = "notifier";
const LEADER_LOCK_KEY = 0x0c0_0e7e;
const CHECKPOINT_INTERVAL_MS = 1_000;
/** Updates per broadcast message, to keep each transporter message small. */
const BROADCAST_CHUNK = 200;

/**
 * Announces job transitions: LISTENs on Postgres and re-emits each committed transition as Moleculer
 * events. Replicas elect one leader (an advisory lock), so each update is emitted once; a new leader
 * resumes from the checkpoint the old one wrote.
 */
export default class NotifierService extends Service {
  private runtime!: Runtime;
  private leadership: Leadership | undefined;
  private listener: JobEventListener | undefined;
  private checkpointTimer: NodeJS.Timeout | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "notifier",
      actions: {
        status: () => ({
          leader: this.leadership?.isLeader ?? false,
          lastEventId: this.listener?.lastEventId ?? null,
          listenerPid: this.listener?.backendPid ?? null,
        }),
      },
      started: () => this.startService(),
      stopped: () => this.stopService(),
    });
  }

  private async startService(): Promise<void> {
    this.runtime = await runtimeFor(this.broker);
    this.leadership = new Leadership({
      databaseUrl: this.runtime.config.DATABASE_URL,
      lockKey: LEADER_LOCK_KEY,
      name: "conveyor-notifier-leader",
      logger: this.logger,
      retryMs: 1_000,
      onElected: () => this.lead(),
      onDeposed: () => this.follow(),
    });
    this.leadership.start();
  }

  private async stopService(): Promise<void> {
    await this.leadership?.stop();
  }

  private async lead(): Promise<void> {
    const { db, config } = this.runtime;
    const startAfter = (await readCheckpoint(db, CHECKPOINT)) ?? (await latestEventId(db));
    this.listener = new JobEventListener({
      databaseUrl: config.DATABASE_URL,
      db,
      logger: this.logger,
      startAfter,
      onUpdates: (updates) => this.announce(updates),
    });
    await this.listener.start();
    this.checkpointTimer = setInterval(() => void this.saveCheckpoint(), CHECKPOINT_INTERVAL_MS);
  }

  private async follow(): Promise<void> {
    clearInterval(this.checkpointTimer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.stop();
    if (listener) await writeCheckpoint(this.runtime.db, CHECKPOINT, listener.lastEventId).catch(() => undefined);
  }

  private async saveCheckpoint(): Promise<void> {
    if (!this.listener) return;
    await writeCheckpoint(this.runtime.db, CHECKPOINT, this.listener.lastEventId).catch((error: Error) =>
      this.logger.warn(`Could not save the notifier checkpoint: ${error.message}`),
    );
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
