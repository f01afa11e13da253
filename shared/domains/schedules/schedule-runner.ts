import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { advanceSchedules, ScheduleAdvance } from "../../db/schedules/advance-schedules";
import { attachJobs, RunOutcome } from "../../db/schedules/attach-jobs";
import { lockDueSchedules } from "../../db/schedules/lock-due-schedules";
import { NewRun, recordRuns } from "../../db/schedules/record-runs";
import { ScheduleRow, ScheduleRunRow, timingOf } from "../../db/schedules/schedule-record";
import { timeUntilDue } from "../../db/schedules/time-until-due";
import { unenqueuedRuns } from "../../db/schedules/unenqueued-runs";
import { SCHEDULE_CHANGES_CHANNEL } from "../../lib/event-names";
import type { PostgresListener } from "../../engine/events/postgres-listener";
import { FirePlan, planFires } from "./plan-fires";
import { isRefusal } from "./scheduled-job";

/** One recorded run to turn into a job. */
export interface RunToEnqueue {
  runId: string;
  schedule: ScheduleRow;
  fireTime: Date;
}

export interface ScheduleRunnerOptions {
  db: Knex;
  logger: LoggerInstance;
  /** Schedule changes wake the loop early; a NOTIFY lost while reconnecting is made up by the next pass. */
  listener: PostgresListener;
  /** Enqueues the run's job (idempotently) and returns its id. A 422 error means "never": it is recorded. */
  enqueue(run: RunToEnqueue): Promise<string>;
}

/** Schedules locked and fired per transaction; a full batch is followed by another at once. */
const BATCH = 1_000;
/** The longest the loop sleeps, so a change that was not notified is seen within this. */
const MAX_SLEEP_MS = 1_000;
const ERROR_BACKOFF_MS = 1_000;
/** Runs enqueued at once before the loop waits for them (backpressure on a slow jobs service). */
const MAX_IN_FLIGHT = 5_000;
/** Runs left without a job this long (their scheduler died, or the call failed) are enqueued again. */
const RETRY_UNENQUEUED_AFTER_MS = 5_000;
const RETRY_BATCH = 500;

/**
 * The leader's loop: fire what is due, then sleep until the next fire time (at most a second), or
 * until `wake()` says a schedule changed. Each pass locks due schedules (SKIP LOCKED), records their
 * runs (unique per schedule and fire time) and moves them on in one transaction; the jobs are
 * enqueued after it commits, and runs left without a job are enqueued again later, so a run is never
 * lost and never enqueued twice (the job's idempotency key is the run's).
 */
export class ScheduleRunner {
  /** A maintenance service's name: the scheduler's maintainer runs it under leadership. */
  readonly name = "schedule runner";
  private running = false;
  private stopListening = new AbortController();
  private loop: Promise<void> | undefined;
  private woken = false;
  private wakeUp: (() => void) | undefined;
  private readonly inFlight = new Map<string, Promise<void>>();
  private lastRetryAt = 0;

  constructor(private readonly options: ScheduleRunnerOptions) {}

  /** Starts the loop, then LISTENs for schedule changes (the loop polls meanwhile). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.stopListening = new AbortController();
    await this.options.listener.listen(SCHEDULE_CHANGES_CHANNEL, () => this.wake(), { signal: this.stopListening.signal });
  }

  /** Stops after the current pass and waits for the jobs being enqueued. */
  async stop(): Promise<void> {
    this.stopListening.abort();
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.inFlight.values());
  }

  /** A schedule changed: look again now instead of at the end of the sleep. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const more = await this.firePass();
        await this.housekeeping();
        if (more) continue;
        const untilDue = await timeUntilDue(this.options.db);
        await this.sleep(Math.min(MAX_SLEEP_MS, untilDue === null ? MAX_SLEEP_MS : Math.ceil(untilDue)));
      } catch (error) {
        this.options.logger.warn(`Scheduler pass failed; retrying in ${ERROR_BACKOFF_MS} ms`, error);
        await this.sleep(ERROR_BACKOFF_MS);
      }
    }
  }

  private async sleep(ms: number): Promise<void> {
    if (!this.woken && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    this.wakeUp = undefined;
    this.woken = false;
  }

  /** Fires one batch of due schedules; true when the batch was full (more may be due). */
  private async firePass(): Promise<boolean> {
    if (this.inFlight.size >= MAX_IN_FLIGHT) await Promise.race(this.inFlight.values());
    const { runs, locked } = await this.options.db.transaction(async (trx) => {
      const { rows, now } = await lockDueSchedules(trx, BATCH);
      const plans = rows.map((row) => ({ row, plan: this.plan(row, now) }));
      const recorded = await recordRuns(trx, plans.flatMap(({ row, plan }) => newRuns(row, plan)));
      const recordedBySchedule = new Map<string, ScheduleRunRow[]>();
      for (const run of recorded) recordedBySchedule.set(run.schedule_id, [...(recordedBySchedule.get(run.schedule_id) ?? []), run]);
      await advanceSchedules(trx, plans.map(({ row, plan }) => advance(row.id, plan, recordedBySchedule.get(row.id) ?? [])));
      const byId = new Map(rows.map((row) => [row.id, row]));
      return {
        locked: rows.length,
        runs: recorded.map((run) => ({ runId: String(run.id), schedule: byId.get(run.schedule_id) as ScheduleRow, fireTime: run.fire_time })),
      };
    });
    this.enqueue(runs);
    return locked === BATCH;
  }

  private plan(row: ScheduleRow, now: Date): FirePlan {
    try {
      const plan = planFires({ timing: timingOf(row), nextRunAt: row.next_run_at as Date, totalRunCount: row.total_run_count }, now);
      const coalesced = plan.fires.reduce((sum, fire) => sum + fire.coalescedRuns, 0);
      if (coalesced > 0 || plan.skippedRuns > 0) {
        this.options.logger.info(
          `Schedule ${row.id} (${row.name}) missed ${coalesced + plan.skippedRuns} runs: ` +
            (coalesced > 0 ? `fired one run for them (policy fire_once)` : "skipped them (policy skip)"),
        );
      }
      return plan;
    } catch (error) {
      // Only a stored expression this croner can no longer read gets here; one bad row must not stop the rest.
      this.options.logger.error(`Schedule ${row.id} (${row.name}) cannot be planned and is stopped`, error);
      return { fires: [], skippedRuns: 0, nextRunAt: null };
    }
  }

  /** Starts enqueueing runs without holding up the loop; their outcomes are recorded in one statement. */
  private enqueue(runs: RunToEnqueue[]): void {
    if (runs.length === 0) return;
    const pending = runs.filter((run) => !this.inFlight.has(run.runId));
    const done = Promise.all(pending.map((run) => this.enqueueOne(run)))
      .then((outcomes) => attachJobs(this.options.db, outcomes.filter((outcome): outcome is RunOutcome => outcome !== null)))
      .catch((error: Error) => this.options.logger.warn(`Could not record the jobs of ${pending.length} runs; they will be enqueued again`, error))
      .finally(() => pending.forEach((run) => this.inFlight.delete(run.runId)));
    for (const run of pending) this.inFlight.set(run.runId, done);
  }

  /** The run's outcome, or null when it should be tried again later. */
  private async enqueueOne(run: RunToEnqueue): Promise<RunOutcome | null> {
    try {
      return { runId: run.runId, jobId: await this.options.enqueue(run), error: null };
    } catch (error) {
      const { name, message } = error as Error;
      if (isRefusal(error)) {
        this.options.logger.warn(`Schedule ${run.schedule.id} (${run.schedule.name}): its job was refused: ${message}`);
        return { runId: run.runId, jobId: null, error: { type: name, message } };
      }
      this.options.logger.warn(`Schedule ${run.schedule.id}: enqueueing its ${run.fireTime.toISOString()} run failed (${message}); retrying later`);
      return null;
    }
  }

  /** Re-enqueues runs left without a job, every so often (old runs are pruned by a maintenance chore). */
  private async housekeeping(): Promise<void> {
    const now = Date.now();
    if (now - this.lastRetryAt >= RETRY_UNENQUEUED_AFTER_MS) {
      this.lastRetryAt = now;
      const stranded = await unenqueuedRuns(this.options.db, RETRY_UNENQUEUED_AFTER_MS, RETRY_BATCH);
      this.enqueue(stranded.map(({ run_id, fire_time, ...schedule }) => ({ runId: String(run_id), schedule, fireTime: fire_time })));
    }
  }
}

function newRuns(row: ScheduleRow, plan: FirePlan): NewRun[] {
  return plan.fires.map((fire) => ({
    scheduleId: row.id,
    organizationId: row.organization_id,
    fireTime: fire.fireTime,
    coalescedRuns: fire.coalescedRuns,
  }));
}

/** Counts only the runs actually recorded: a fire time that already had a run is not counted twice. */
function advance(id: string, plan: FirePlan, recorded: ScheduleRunRow[]): ScheduleAdvance {
  const lastRunAt = recorded.reduce<Date | null>((latest, run) => (!latest || run.fire_time > latest ? run.fire_time : latest), null);
  return { id, nextRunAt: plan.nextRunAt, lastRunAt, runs: recorded.length };
}
