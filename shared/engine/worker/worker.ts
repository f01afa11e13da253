import type { Knex } from "knex";
import type { LoggerInstance, ServiceBroker } from "moleculer";
import { ClaimedJob, claimJobs, FairShares, inspectJobs, UnclaimedJob } from "../../db/jobs/claim-jobs";
import { AttemptOutcome, finishJobs, RecordedOutcomes } from "../../db/jobs/finish-jobs";
import { JobStatus, TERMINAL_STATUSES } from "../../db/jobs/job-record";
import { detachAttempt, HeldAttempt, renewLeases } from "../../db/jobs/renew-leases";
import { isDatabaseUnavailable, isRefusedData } from "../../db/transient-errors";
import { updateProgress } from "../../db/jobs/update-progress";
import { JobCancelledError, WorkerShutdownError } from "../tasks/task-errors";
import { countJobsOf, METRIC, observeDuration, registerMetrics } from "../metrics";
import type { AmqpClient } from "../queue/amqp-client";
import { Delivery, JobConsumer } from "../queue/job-consumer";
import { decodeJobMessage } from "../queue/job-message";
import { JobPublisher, OutgoingJob } from "../queue/job-publisher";
import type { TopologyOptions } from "../queue/topology";
import { untilDatabaseAnswers } from "../retries/database-outage";
import { runAttempt } from "./attempt-runner";
import { TaskDefinition, taskRegistry } from "../tasks/define-task";
import { createJobLogger } from "./job-logger";
import { StartGate } from "./start-gate";
import { LazyAbort } from "./lazy-abort";
import { SerialBatcher } from "../../lib/serial-batcher";
import { writeIsolatingFailures } from "../../lib/isolate-failures";

export interface WorkerOptions {
  db: Knex;
  amqp: AmqpClient;
  topology: TopologyOptions;
  broker: ServiceBroker;
  logger: LoggerInstance;
  /** Queues to consume; defaults to every queue the tasks route to. */
  queues?: string[];
  /** How many jobs may run at once per queue; also each lane's prefetch (unsettled messages). */
  prefetch: number;
  /** How long a claimed job stays ours without renewal; renewed every third of it. */
  leaseMs: number;
  /** How long an outcome may wait for others to share its commit. */
  outcomeFlushMs: number;
  /** Interruptions (shutdowns, lost workers) a job may have on top of its attempts before it fails. */
  maxInterruptions: number;
  /** An attempt still running after this long acks its message; its lease in Postgres stands for it. */
  earlyAckMs: number;
  /** Queue → the most jobs one organization may run on it at once (QUEUE_FAIR_SHARES). */
  fairShares: FairShares;
}

interface ClaimRequest {
  jobId: string;
  delivery: Delivery;
  /** The job has a concurrency or throttle key (its message says so). */
  keyed: boolean;
  /** Gives the request's start slot back (StartGate); only the first call counts. */
  release: () => void;
}

/** A delivery the gate holds until it may start. */
type HeldRequest = Omit<ClaimRequest, "release">;

interface SettledOutcome {
  outcome: AttemptOutcome;
  delivery: Delivery;
  /** For metrics; absent for outcomes decided without running the task. */
  attempt?: { task: string; queue: string; organizationId: string; seconds: number };
}

interface RunningAttempt {
  claim: number;
  controller: LazyAbort;
  done: Promise<void>;
  delivery: Delivery;
  /** Date.now() at its start, for the early ack. */
  startedAt: number;
  /** Its message was handed to letGoOfMessage (once). */
  lettingGo: boolean;
}

/** The counter an outcome's recorded status moves. */
const OUTCOME_METRICS: Partial<Record<JobStatus, string>> = {
  succeeded: METRIC.succeeded,
  failed: METRIC.failed,
  retrying: METRIC.retried,
  queued: METRIC.interrupted,
};

const CLAIM_BATCH = 500;
const OUTCOME_BATCH = 500;
/** A message that comes back early for a running job waits this much longer than the lease. */
const LEASE_SLACK_MS = 250;
/** How soon a job held back by flow control (paused queue, full concurrency key or fair share, throttle) is offered again. */
export const HELD_BACK_RETRY_MS = 1_000;
/** After its grace period, how long a stopping worker still waits for an unreachable database. */
const STOP_OUTAGE_WAIT_MS = 10_000;

/**
 * The worker runtime. Messages flow through three batched stages, each one statement per batch:
 *
 *   deliveries ─▶ claim (UPDATE … WHERE id = ANY) ─▶ run task ─▶ commit outcomes (group commit) ─▶ ack
 *
 * A message is acked only after its outcome is committed (and, for a retry, after the delayed retry
 * message is confirmed), so a crash at any point leaves it unacked and RabbitMQ redelivers it. Each
 * claim carries a fencing token (the job's `claims` count) that every later write of the attempt
 * names, so an attempt that lost its job writes nothing. While Postgres is unreachable the stages
 * wait and try again: messages stay with the worker (prefetch bounds how many), none is handed back
 * or counted towards the delivery limit, and nothing fails for the outage's sake.
 */
export class Worker {
  private readonly tasks: Map<string, TaskDefinition>;
  private readonly queues: string[];
  private readonly consumer: JobConsumer;
  private readonly publisher: JobPublisher;
  private readonly claims: SerialBatcher<ClaimRequest>;
  private readonly outcomes: SerialBatcher<SettledOutcome>;
  private readonly running = new Map<string, RunningAttempt>();
  /** Per queue: what this worker holds, started highest priority first within the queue's slots. */
  private readonly gates = new Map<string, StartGate<HeldRequest>>();
  /** Aborted when a stopping worker stops waiting for the database. */
  private readonly giveUp = new AbortController();
  private leaseTimer: NodeJS.Timeout | undefined;
  private earlyAckTimer: NodeJS.Timeout | undefined;

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
    for (const queue of this.queues) {
      this.gates.set(queue, new StartGate<HeldRequest>(options.prefetch, (held, release) => this.claims.add({ ...held, release })));
    }
    const handBack = (stage: string) => (error: unknown, items: readonly { delivery: Delivery; release?: () => void }[]) => {
      // Not an outage (those are waited out): the broker failed, or a bug. Hand the messages back.
      options.logger.error(`Worker ${stage} failed for ${items.length} messages; requeueing`, error);
      for (const item of items) {
        item.delivery.requeue();
        item.release?.();
      }
    };
    this.claims = new SerialBatcher<ClaimRequest>((batch) => this.claim(batch), CLAIM_BATCH, 0, handBack("claim"));
    this.outcomes = new SerialBatcher<SettledOutcome>(
      (batch) => this.commit(batch),
      OUTCOME_BATCH,
      options.outcomeFlushMs,
      handBack("commit"),
    );
  }

  async start(): Promise<void> {
    registerMetrics(this.options.broker);
    await this.publisher.start();
    await this.consumer.start();
    this.leaseTimer = setInterval(() => void this.renewLeases(), Math.max(100, this.options.leaseMs / 3));
    // One sweep instead of a timer per attempt: an attempt acks within a quarter of earlyAckMs (at most a second) after it.
    this.earlyAckTimer = setInterval(() => this.letGoOfLongAttempts(), Math.max(50, Math.min(1_000, this.options.earlyAckMs / 4)));
    this.options.logger.info(`Worker consuming ${this.queues.join(", ")} (${this.tasks.size} tasks)`);
  }

  /**
   * Stops taking messages, gives running jobs `graceMs` to finish, interrupts the rest (they run
   * again without using up an attempt), commits every outcome and closes the channels, which returns
   * anything unsettled to its queue. If the database is down, it waits a while longer and then gives
   * up: what it could not record is run again elsewhere once its lease runs out.
   */
  async stop(graceMs: number): Promise<void> {
    const giveUpTimer = setTimeout(() => this.giveUp.abort(), graceMs + STOP_OUTAGE_WAIT_MS);
    await this.consumer.cancel();
    for (const gate of this.gates.values()) gate.close();
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
    clearInterval(this.earlyAckTimer);
    await this.outcomes.drain();
    clearTimeout(giveUpTimer);
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
    const gate = this.gates.get(delivery.queue) as StartGate<HeldRequest>;
    gate.offer({ jobId: message.id, delivery, keyed: message.keyed === true }, message.priority ?? 0);
  }

  /**
   * Runs a statement until Postgres answers it, waiting out outages and conflicts (deadlocks between
   * batches). False when a stopping worker gave up; any other failure is thrown.
   */
  private untilDatabaseAnswers(stage: string, statement: () => Promise<void>): Promise<boolean> {
    return untilDatabaseAnswers(statement, {
      signal: this.giveUp.signal,
      onOutage: (error) => this.options.logger.warn(`Worker ${stage} waits for Postgres: ${error.message}`),
    });
  }

  private async claim(batch: ClaimRequest[]): Promise<void> {
    const ids = [...new Set(batch.map((request) => request.jobId))];
    const { db, leaseMs, maxInterruptions, broker, fairShares } = this.options;
    // Jobs with keys, and every job of a fair-share queue, are admitted under their keys' locks.
    const keyed = batch.some((request) => request.keyed || fairShares[request.delivery.queue] !== undefined);
    let rows: ClaimedJob[] = [];
    const answered = await this.untilDatabaseAnswers("claim", async () => {
      rows = await claimJobs(db, ids, { leaseMs, maxInterruptions, workerId: broker.nodeID, keyed, fairShares });
    });
    if (!answered) return; // stopping: the messages go back when the channels close
    countJobsOf(broker, METRIC.started, rows);
    const claimed = new Map(rows.map((row) => [row.id, row]));
    const unclaimed: ClaimRequest[] = [];
    for (const request of batch) {
      const row = claimed.get(request.jobId);
      if (row) {
        claimed.delete(request.jobId); // a second copy of the message in this batch is a duplicate
        this.startAttempt(row, request);
      } else {
        request.release(); // it runs nothing here, whatever becomes of its message
        unclaimed.push(request);
      }
    }
    if (unclaimed.length > 0) await this.settleUnclaimed(unclaimed);
  }

  /**
   * A message whose job could not be claimed: drop it when the job is over, send it round again when
   * the job is not due yet or another worker holds a live lease, and fail a job whose worker was lost
   * more often than its interruption limit allows.
   */
  private async settleUnclaimed(requests: ClaimRequest[]): Promise<void> {
    let found: UnclaimedJob[] = [];
    const answered = await this.untilDatabaseAnswers("inspect", async () => {
      found = await inspectJobs(this.options.db, requests.map((r) => r.jobId), this.options.fairShares);
    });
    if (!answered) return;
    const jobs = new Map(found.map((job) => [job.id, job]));
    const delayed: { job: OutgoingJob; delivery: Delivery }[] = [];
    const lost: SettledOutcome[] = [];
    for (const request of requests) {
      const job = jobs.get(request.jobId);
      const decision = job ? decideUnclaimed(job, this.options.maxInterruptions) : { action: "drop" as const };
      if (decision.action === "drop") request.delivery.ack();
      else if (decision.action === "delay") {
        delayed.push({ job: messageAgain(request.jobId, request.delivery, decision.delayMs), delivery: request.delivery });
      } else {
        // Recorded as one more interruption: the outcome's commit fails the job with
        // InterruptionLimitExceeded, the one place that message is written (finish-jobs.ts).
        lost.push({
          delivery: request.delivery,
          outcome: {
            jobId: request.jobId,
            attempt: decision.attempt,
            claim: decision.claim,
            status: "interrupted",
            error: { type: "WorkerLost", message: "the job's worker was lost: its lease ran out", retryable: true },
          },
        });
      }
    }
    await this.publisher.publish(delayed.map((entry) => entry.job));
    for (const entry of delayed) entry.delivery.ack();
    for (const entry of lost) this.outcomes.add(entry);
  }

  private startAttempt(job: ClaimedJob, { delivery, release }: ClaimRequest): void {
    const controller = new LazyAbort();
    const task = this.tasks.get(job.task);
    const { broker, db } = this.options;
    const held: HeldAttempt = { jobId: job.id, claim: job.claims };
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
        // Progress is advisory: an outage must not fail the task that reports it.
        await updateProgress(db, held, { percent, step, message }).catch((error: unknown) => {
          if (!isDatabaseUnavailable(error)) throw error;
        });
      },
    };
    const startedAt = process.hrtime.bigint();
    const done = runAttempt(job, task, context, controller).then((outcome) => {
      release();
      // A stale attempt (its job was cancelled and retried, and runs here again) must not drop the new one.
      if (this.running.get(job.id)?.claim === job.claims) this.running.delete(job.id);
      const seconds = Number(process.hrtime.bigint() - startedAt) / 1e9;
      const attempt = { task: job.task, queue: job.queue, organizationId: job.organization_id, seconds };
      this.outcomes.add({ outcome, delivery, attempt });
    });
    this.running.set(job.id, { claim: job.claims, controller, done, delivery, startedAt: Date.now(), lettingGo: false });
  }

  private letGoOfLongAttempts(): void {
    const startedBefore = Date.now() - this.options.earlyAckMs;
    for (const [jobId, attempt] of this.running) {
      if (attempt.lettingGo || attempt.startedAt > startedBefore) continue;
      attempt.lettingGo = true;
      void this.letGoOfMessage({ jobId, claim: attempt.claim }, attempt.delivery);
    }
  }

  /**
   * A long attempt acks its message, so RabbitMQ's consumer_timeout never closes the channel under it
   * and the job is not redelivered while it runs; from here on its lease alone stands for it, and the
   * unpublished sweeper sends a new message if the lease runs out (the worker was lost).
   */
  private async letGoOfMessage(held: HeldAttempt, delivery: Delivery): Promise<void> {
    try {
      if (await detachAttempt(this.options.db, held)) delivery.ack();
    } catch (error) {
      this.options.logger.warn(`Could not detach job ${held.jobId} from its message; it keeps the message`, error);
    }
  }

  private async commit(batch: SettledOutcome[]): Promise<void> {
    const { db, maxInterruptions } = this.options;
    const recorded: RecordedOutcomes = new Map();
    const record = async (entries: SettledOutcome[]) => {
      const statuses = await finishJobs(db, entries.map((entry) => entry.outcome), maxInterruptions);
      for (const [id, status] of statuses) recorded.set(id, status);
    };
    const answered = await this.untilDatabaseAnswers("commit", () =>
      writeIsolatingFailures(batch, record, {
        isolates: isRefusedData,
        // The task's result (or error) holds what Postgres cannot store, say a NUL character: the
        // job fails with a clear error instead of holding up the outcomes it was batched with.
        onItemFailure: (entry, error) => record([{ ...entry, outcome: unstorableOutcome(entry.outcome, error) }]),
      }),
    );
    if (!answered) return; // stopping: the leases run out and the jobs run again elsewhere
    const sendAgain = batch.filter(({ outcome }) => {
      const status = recorded.get(outcome.jobId);
      return status === "retrying" || status === "queued";
    });
    await this.publisher.publish(
      sendAgain.map(({ outcome, delivery }) =>
        messageAgain(outcome.jobId, delivery, outcome.status === "retrying" ? Math.max(0, outcome.runAt.getTime() - Date.now()) : 0),
      ),
    );
    for (const entry of batch) entry.delivery.ack();
    this.countOutcomes(batch, recorded);
  }

  private countOutcomes(batch: SettledOutcome[], recorded: RecordedOutcomes): void {
    const { broker } = this.options;
    const counted = new Map<string, NonNullable<SettledOutcome["attempt"]>[]>();
    for (const { outcome, attempt } of batch) {
      if (!attempt) continue;
      const status = recorded.get(outcome.jobId);
      // No status: the attempt no longer held its job (cancelled, replayed, taken over), its outcome was dropped.
      const name = status ? OUTCOME_METRICS[status] : METRIC.outcomesRefused;
      if (name) {
        const group = counted.get(name) ?? [];
        group.push(attempt);
        counted.set(name, group);
      }
      if (!status) continue;
      observeDuration(broker, attempt.task, attempt.queue, attempt.seconds);
      if (status === "failed" && outcome.status !== "succeeded") {
        const { task, organizationId } = attempt;
        createJobLogger(broker, { jobId: outcome.jobId, task, organizationId }).warn(`Job failed after attempt ${outcome.attempt}: ${outcome.error.type}: ${outcome.error.message}`);
      }
    }
    for (const [name, attempts] of counted) countJobsOf(broker, name, attempts);
  }

  private async renewLeases(): Promise<void> {
    if (this.running.size === 0) return;
    const held = [...this.running].map(([jobId, attempt]) => ({ jobId, claim: attempt.claim }));
    try {
      const stillOurs = await renewLeases(this.options.db, held, this.options.leaseMs);
      for (const { jobId } of held) if (!stillOurs.has(jobId)) this.abort(jobId);
    } catch (error) {
      // During an outage no one can take a job over (its message stays with us), so the attempt runs on.
      this.options.logger.warn("Could not renew job leases", error);
    }
  }
}

/** The message that sends a delivered job round again, as it came (task, key flag, priority), after `delayMs`. */
function messageAgain(jobId: string, delivery: Delivery, delayMs: number): OutgoingJob {
  const message = decodeJobMessage(delivery.message.content);
  return { id: jobId, task: message?.task ?? "", keyed: message?.keyed, priority: message?.priority, queue: delivery.queue, delayMs };
}

/** The outcome recorded instead of one Postgres refused to store. */
function unstorableOutcome(outcome: AttemptOutcome, error: unknown): AttemptOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    jobId: outcome.jobId,
    attempt: outcome.attempt,
    claim: outcome.claim,
    status: "failed",
    error: { type: "OutcomeNotStorable", message: `Postgres refused to store the attempt's ${outcome.status === "succeeded" ? "result" : "error"}: ${reason}`, retryable: false },
  };
}

type UnclaimedDecision =
  | { action: "drop" }
  | { action: "delay"; delayMs: number }
  | { action: "fail"; attempt: number; claim: number };

/** Pure decision for a message whose job was not claimable (exported for unit tests). */
export function decideUnclaimed(job: UnclaimedJob, maxInterruptions: number): UnclaimedDecision {
  const now = job.now.getTime();
  if (TERMINAL_STATUSES.includes(job.status)) return { action: "drop" };
  if (job.status === "running" && job.lease_expires_at && job.lease_expires_at.getTime() > now) {
    return { action: "delay", delayMs: job.lease_expires_at.getTime() - now + LEASE_SLACK_MS };
  }
  if (job.run_at && job.run_at.getTime() > now) return { action: "delay", delayMs: job.run_at.getTime() - now };
  // Due, but held back (paused queue, full concurrency key, throttle): it waits, using no attempt, and asks again.
  if (job.status !== "running" && job.held_back) return { action: "delay", delayMs: HELD_BACK_RETRY_MS };
  // Running with an expired lease that the claim would not take over: its worker was lost once too often.
  if (job.status === "running" && job.interruptions >= maxInterruptions) {
    return { action: "fail", attempt: job.attempts, claim: job.claims };
  }
  // Due now, though it was not when the claim ran (its run_at passed in between), or its worker's
  // lease has just run out: send it straight back to be claimed.
  if (job.status === "running" || job.attempts < job.max_attempts) return { action: "delay", delayMs: 0 };
  // Waiting with no attempts left: no claim can ever take it, so the message has nothing to do.
  return { action: "drop" };
}
