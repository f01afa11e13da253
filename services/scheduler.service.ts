import { Service, ServiceBroker } from "moleculer";
import type { PublicJob } from "../shared/db/jobs/job-record";
import type { EnqueueRequest } from "../shared/engine/enqueue/enqueue-request";
import { Leadership } from "../shared/engine/leadership";
import { METRIC, registerMetrics } from "../shared/engine/metrics";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { ScheduleChangeListener } from "../shared/domains/schedules/schedule-change-listener";
import { scheduledJobRequest } from "../shared/domains/schedules/scheduled-job";
import { RunToEnqueue, ScheduleRunner } from "../shared/domains/schedules/schedule-runner";
import type { CallerMeta } from "../shared/http/caller";

const LEADER_LOCK_KEY = 0x0c0_5c4e;

/**
 * Fires schedules (the API for them is the `schedules` service). Replicas elect one leader with a
 * Postgres advisory lock; the leader runs the schedule loop and LISTENs for schedule changes. When it
 * dies its session ends, Postgres releases the lock, and a follower (asking every second) takes over.
 */
export default class SchedulerService extends Service {
  private runtime!: Runtime;
  private leadership: Leadership | undefined;
  private runner: ScheduleRunner | undefined;
  private listener: ScheduleChangeListener | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "scheduler",
      actions: {
        status: () => ({ leader: this.leadership?.isLeader ?? false }),
      },
      started: () => this.startService(),
      stopped: () => this.leadership?.stop(),
    });
  }

  private async startService(): Promise<void> {
    this.runtime = await runtimeFor(this.broker);
    registerMetrics(this.broker);
    this.leadership = new Leadership({
      databaseUrl: this.runtime.config.DATABASE_URL,
      lockKey: LEADER_LOCK_KEY,
      name: "conveyor-scheduler-leader",
      logger: this.logger,
      retryMs: 1_000,
      onElected: () => this.lead(),
      onDeposed: () => this.follow(),
    });
    this.leadership.start();
  }

  private async lead(): Promise<void> {
    const runner = new ScheduleRunner({ db: this.runtime.db, logger: this.logger, enqueue: (run) => this.enqueue(run) });
    this.runner = runner;
    this.listener = new ScheduleChangeListener({
      databaseUrl: this.runtime.config.DATABASE_URL,
      logger: this.logger,
      onChange: () => runner.wake(),
    });
    await this.listener.start();
    runner.start();
  }

  private async follow(): Promise<void> {
    const { runner, listener } = this;
    this.runner = undefined;
    this.listener = undefined;
    await listener?.stop();
    await runner?.stop();
  }

  /** Through the jobs service's own enqueue: validated, recorded and published like any job. */
  private async enqueue({ schedule, fireTime }: RunToEnqueue): Promise<string> {
    const meta: CallerMeta = { organizationId: schedule.organization_id, scheduleId: schedule.id };
    const { job } = await this.broker.call<{ job: PublicJob }, EnqueueRequest>("jobs.enqueue", scheduledJobRequest(schedule, fireTime), { meta });
    this.broker.metrics.observe(METRIC.schedulerLag, (Date.now() - fireTime.getTime()) / 1000);
    return job.id;
  }
}
