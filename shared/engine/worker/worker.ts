import type { Knex } from "knex";
import type { LoggerInstance, ServiceBroker } from "moleculer";
import { claimJobs, inspectJobs, UnclaimedJob } from "../../db/jobs/claim-jobs";
import { AttemptOutcome, finishJobs } from "../../db/jobs/finish-jobs";
import { JobRow, TERMINAL_STATUSES } from "../../db/jobs/job-record";
import { renewLeases } from "../../db/jobs/renew-leases";
import { retryOnConflict } from "../../db/retry-on-conflict";
import { updateProgress } from "../../db/jobs/update-progress";
import { JobCancelledError, WorkerShutdownError } from "../tasks/task-errors";
import { countJobs, METRIC, observeDuration, registerMetrics } from "../metrics";
import type { AmqpClient } from "../queue/amqp-client";
import { Delivery, JobConsumer } from "../queue/job-consumer";
import { decodeJobMessage } from "../queue/job-message";
import { JobPublisher, OutgoingJob } from "../queue/job-publisher";
import type { TopologyOptions } from "../queue/topology";
import { runAttempt } from "./attempt-runner";
import { TaskDefinition, taskRegistry } from "../tasks/define-task";
import { createJobLogger } from "./job-logger";
import { SerialBatcher } from "../../lib/serial-batcher";

export interface WorkerOptions {
  db: Knex;
  amqp: AmqpClient;
  topology: TopologyOptions;
  broker: ServiceBroker;
  logger: LoggerInstance;
  /** Queues to consume; defaults to every queue the tasks route to. */
  queues?: string[];
  /** Unsettled messages per queue, which is also how many jobs may run at once per queue. */
  prefetch: number;
  /** How long a claimed job stays ours without renewal; renewed every third of it. */
  leaseMs: number;
  /** How long an outcome may wait for others to share its commit. */
  outcomeFlushMs: number;
}

interface ClaimRequest {
  jobId: string;
  delivery: Delivery;
}

interface SettledOutcome {
  outcome: AttemptOutcome;
  delivery: Delivery;
  /** For metrics; absent for outcomes decided without running the task. */
  attempt?: { task: string; queue: string; organizationId: string; seconds: number };
}

interface RunningAttempt {
  attempt: number;
  controller: AbortController;
  done: Promise<void>;
}

const CLAIM_BATCH = 500;
const OUTCOME_BATCH = 500;
/** A message that comes back early for a running job waits this much longer than the lease. */
const LEASE_SLACK_MS = 250;

/**
 * The worker runtime. Messages flow through three batched stages, each one statement per batch:
 *
 *   deliveries ─▶ claim (UPDATE … WHERE id = ANY) ─▶ run task ─▶ commit outcomes (group commit) ─▶ ack
 *
 * A message is acked only after its outcome is committed (and, for a retry, after the delayed retry
 * message is confirmed), so a crash at any point leaves it unacked and RabbitMQ redelivers it.
 */
export class Worker {
  private readonly tasks: Map<string, TaskDefinition>;
  private readonly queues: string[];
  private readonly consumer: JobConsumer;
  private readonly publisher: JobPublisher;
  private readonly claims: SerialBatcher<ClaimRequest>;
  private readonly outcomes: SerialBatcher<SettledOutcome>;
  private readonly running = new Map<string, RunningAttempt>();
  private leaseTimer: NodeJS.Timeout | undefined;

  constructor(
    tasks: readonly TaskDefinition[],
    private readonly options: WorkerOptions,
  ) {
    this.tasks = taskRegistry(tasks);
    this.queues = options.queues?.length ? options.queues : [...new Set(tasks.map((task) => task.queue))];
    this.publisher = new JobPublisher(options.amqp, options.topology);
    this.consumer = new JobConsumer(
      options.amqp,
      options.topology,
      this.queues,
      options.prefetch,
      (delivery) => this.receive(delivery),
      options.logger,
    );
    const logFailure = (stage: string) => (error: unknown, items: readonly { delivery: Delivery }[]) => {
      // The database or broker failed mid-batch: hand the messages back so they are tried again.
      options.logger.error(`Worker ${stage} failed for ${items.length} messages; requeueing`, error);
      for (const item of items) item.delivery.requeue();
    };
    this.claims = new SerialBatcher<ClaimRequest>((batch) => this.claim(batch), CLAIM_BATCH, 0, logFailure("claim"));
    this.outcomes = new SerialBatcher<SettledOutcome>(
      (batch) => this.commit(batch),
      OUTCOME_BATCH,
      options.outcomeFlushMs,
      logFailure("commit"),
    );
  }

  async start(): Promise<void> {
    registerMetrics(this.options.broker);
    await this.publisher.start();
    await this.consumer.start();
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, this.options.leaseMs / 3));
    this.options.logger.info(`Worker consuming ${this.queues.join(", ")} (${this.tasks.size} tasks)`);
  }

  /**
   * Stops taking messages, gives running jobs `graceMs` to finish, aborts the rest (they are retried),
   * commits every outcome and closes the channels, which returns anything unsettled to its queue.
   */
  async stop(graceMs: number): Promise<void> {
    await this.consumer.cancel();
    await this.claims.drain();
    const allDone = () => Promise.all([...this.running.values()].map((attempt) => attempt.done));
    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<"timeout">((resolve) => {
      graceTimer = setTimeout(() => resolve("timeout"), graceMs);
    });
    if ((await Promise.race([allDone(), graceOver])) === "timeout") {
      for (const attempt of this.running.values()) attempt.controller.abort(new WorkerShutdownError("worker stopping"));
      await allDone();
    }
    clearTimeout(graceTimer);
    clearInterval(this.leaseTimer);
    await this.outcomes.drain();
    await this.consumer.close();
  }

  /** Aborts a job running here (it was cancelled); a no-op for jobs this worker is not running. */
  abort(jobId: string): void {
    this.running.get(jobId)?.controller.abort(new JobCancelledError("job cancelled"));
  }

  private receive(delivery: Delivery): void {
    const message = decodeJobMessage(delivery.message.content);
    if (!message) {
      this.options.logger.warn(`Dead-lettering a message that is not a Conveyor job on ${delivery.queue}`);
      delivery.deadLetter();
      return;
    }
    if (!this.tasks.has(message.task)) {
      // Another service's task on a shared queue: hand it back unclaimed for a worker that knows it.
      // The queue's delivery limit dead-letters it if none does, and the job is then failed.
      this.options.logger.warn(`No task "${message.task}" here (queue ${delivery.queue}); returning job ${message.id}`);
      delivery.requeue();
      return;
    }
    this.claims.add({ jobId: message.id, delivery });
  }

  private async claim(batch: ClaimRequest[]): Promise<void> {
    const ids = [...new Set(batch.map((request) => request.jobId))];
    const rows = await retryOnConflict(() => claimJobs(this.options.db, ids, this.options.leaseMs, this.options.broker.nodeID));
    const claimed = new Map(rows.map((row) => [row.id, row]));
    const unclaimed: ClaimRequest[] = [];
    for (const request of batch) {
      const row = claimed.get(request.jobId);
      if (row) {
        claimed.delete(request.jobId); // a second copy of the message in this batch is a duplicate
        this.startAttempt(row, request.delivery);
      } else unclaimed.push(request);
    }
    if (unclaimed.length > 0) await this.settleUnclaimed(unclaimed);
  }

  /**
   * A message whose job could not be claimed: drop it when the job is over, send it round again when
   * the job is not due yet or another worker holds a live lease, and fail a job whose last attempt
   * lost its worker.
   */
  private async settleUnclaimed(requests: ClaimRequest[]): Promise<void> {
    const jobs = new Map((await inspectJobs(this.options.db, requests.map((r) => r.jobId))).map((job) => [job.id, job]));
    const delayed: { job: OutgoingJob; delivery: Delivery }[] = [];
    const lost: SettledOutcome[] = [];
    for (const request of requests) {
      const job = jobs.get(request.jobId);
      const decision = job ? decideUnclaimed(job) : { action: "drop" as const };
      const task = decodeJobMessage(request.delivery.message.content)?.task ?? "";
      if (decision.action === "drop") request.delivery.ack();
      else if (decision.action === "delay") {
        delayed.push({ job: { id: request.jobId, task, queue: request.delivery.queue, delayMs: decision.delayMs }, delivery: request.delivery });
      } else {
        lost.push({
          delivery: request.delivery,
          outcome: {
            jobId: request.jobId,
            attempt: decision.attempt,
            status: "failed",
            error: { type: "WorkerLostError", message: "the worker running the last attempt stopped responding", retryable: false },
          },
        });
      }
    }
    await this.publisher.publish(delayed.map((entry) => entry.job));
    for (const entry of delayed) entry.delivery.ack();
    for (const entry of lost) this.outcomes.add(entry);
  }

  private startAttempt(job: JobRow, delivery: Delivery): void {
    const controller = new AbortController();
    const task = this.tasks.get(job.task);
    const { broker, db } = this.options;
    let logger: LoggerInstance | undefined;
    const context = {
      jobId: job.id,
      organizationId: job.organization_id,
      attempt: job.attempts,
      maxAttempts: job.max_attempts,
      broker,
      get logger() {
        logger ??= createJobLogger(broker, { jobId: job.id, task: job.task, organizationId: job.organization_id });
        return logger;
      },
      progress: async (percent: number, step?: string, message?: string) => {
        await updateProgress(db, job.id, job.attempts, { percent, step, message });
      },
    };
    countJobs(broker, METRIC.started, job.task, job.queue);
    const startedAt = process.hrtime.bigint();
    const done = runAttempt(job, task, context, controller).then((outcome) => {
      this.running.delete(job.id);
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const attempt = { task: job.task, queue: job.queue, organizationId: job.organization_id, seconds };
      this.outcomes.add({ outcome, delivery, attempt });
    });
    this.running.set(job.id, { attempt: job.attempts, controller, done });
  }

  private async commit(batch: SettledOutcome[]): Promise<void> {
    const recorded = await retryOnConflict(() => finishJobs(this.options.db, batch.map((entry) => entry.outcome)));
    const retries = batch.filter((entry) => entry.outcome.status === "retrying" && recorded.has(entry.outcome.jobId));
    await this.publisher.publish(
      retries.map(({ outcome, delivery }) => ({
        id: outcome.jobId,
        task: decodeJobMessage(delivery.message.content)?.task ?? "",
        queue: delivery.queue,
        delayMs: outcome.status === "retrying" ? Math.max(0, outcome.runAt.getTime() - Date.now()) : 0,
      })),
    );
    // Outcomes that were not recorded belong to a job that was cancelled or taken over meanwhile.
    for (const entry of batch) entry.delivery.ack();
    for (const { outcome, attempt } of batch) {
      if (!attempt || !recorded.has(outcome.jobId)) continue;
      observeDuration(this.options.broker, attempt.task, attempt.queue, attempt.seconds);
      const metric = { succeeded: METRIC.succeeded, failed: METRIC.failed, retrying: METRIC.retried, cancelled: undefined }[outcome.status];
      if (metric) countJobs(this.options.broker, metric, attempt.task, attempt.queue);
      if (outcome.status === "failed") {
        const { task, organizationId } = attempt;
        createJobLogger(this.options.broker, { jobId: outcome.jobId, task, organizationId }).warn(`Job failed after attempt ${outcome.attempt}: ${outcome.error.type}: ${outcome.error.message}`);
      }
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    const running = [...this.running].map(([jobId, attempt]) => ({ jobId, attempt: attempt.attempt }));
    try {
      const stillOurs = await renewLeases(this.options.db, running, this.options.leaseMs);
      for (const { jobId } of running) if (!stillOurs.has(jobId)) this.abort(jobId);
    } catch (error) {
      this.options.logger.warn("Could not renew job leases", error);
    }
  }
}

type UnclaimedDecision =
  | { action: "drop" }
  | { action: "delay"; delayMs: number }
  | { action: "fail"; attempt: number };

/** Pure decision for a message whose job was not claimable (exported for unit tests). */
export function decideUnclaimed(job: UnclaimedJob): UnclaimedDecision {
  const now = job.now.getTime();
  if (TERMINAL_STATUSES.includes(job.status)) return { action: "drop" };
  if (job.status === "running" && job.lease_expires_at && job.lease_expires_at.getTime() > now) {
    return { action: "delay", delayMs: job.lease_expires_at.getTime() - now + LEASE_SLACK_MS };
  }
  if (job.run_at && job.run_at.getTime() > now) return { action: "delay", delayMs: job.run_at.getTime() - now };
  // Due now, though it was not when the claim ran (its run_at passed in between), or its worker's
  // lease has just run out: send it straight back to be claimed.
  if (job.attempts < job.max_attempts) return { action: "delay", delayMs: 0 };
  // Running with an expired lease and no attempts left: the last attempt lost its worker.
  return { action: "fail", attempt: job.attempts };
}
