import { Service, ServiceBroker } from "moleculer";
import { enqueueRequest } from "../shared/engine/enqueue/enqueue";
import { Maintainer } from "../shared/engine/maintenance/maintainer";
import { scheduleRunPruner } from "../shared/engine/maintenance/schedule-run-pruner";
import { METRIC, registerMetrics } from "../shared/engine/metrics";
import { runtimeFor } from "../shared/engine/runtime";
import { scheduledJobRequest } from "../shared/domains/schedules/scheduled-job";
import { RunToEnqueue, ScheduleRunner } from "../shared/domains/schedules/schedule-runner";

const LEADER_LOCK_KEY = 0x0c0_5c4e;

/**
 * Fires schedules (the API for them is the `schedules` service). Replicas elect one leader with a
 * Postgres advisory lock; the leader runs the schedule loop (woken by schedule changes) and prunes old
 * runs. When it dies its session ends, Postgres releases the lock, and a follower (asking every
 * second) takes over.
 */
export default class SchedulerService extends Service {
  private maintainer: Maintainer | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "scheduler",
      actions: {
        status: () => ({ leader: this.maintainer?.isLeader ?? false }),
      },
      started: () => this.startService(),
      stopped: () => this.maintainer?.stop(),
    });
  }

  private async startService(): Promise<void> {
    const { db, listener, config } = await runtimeFor(this.broker);
    registerMetrics(this.broker);
    this.maintainer = new Maintainer({
      logger: this.logger,
      leader: {
        election: { databaseUrl: config.DATABASE_URL, lockKey: LEADER_LOCK_KEY, name: "conveyor-scheduler-leader", retryMs: 1_000 },
        services: [
          new ScheduleRunner({ db, logger: this.logger, listener, enqueue: (run) => this.enqueue(run) }),
          scheduleRunPruner({ db, logger: this.logger }),
        ],
      },
    });
    await this.maintainer.start();
  }

  /** Through the jobs service's own enqueue: validated, recorded and published like any job. */
  private async enqueue({ schedule, fireTime }: RunToEnqueue): Promise<string> {
    const { job } = await enqueueRequest(this.broker, schedule.organization_id, scheduledJobRequest(schedule, fireTime), { scheduleId: schedule.id });
    this.broker.metrics.observe(METRIC.schedulerLag, (Date.now() - fireTime.getTime()) / 1000);
    return job.id;
  }
}
