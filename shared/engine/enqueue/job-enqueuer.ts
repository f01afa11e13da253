import { timeOrderedId } from "../../lib/time-ordered-id";
import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { ApiError, validationFailed } from "../../http/api-errors";
import { InsertedJobs, insertJobs, NewJob } from "../../db/jobs/insert-jobs";
import type { JobRow } from "../../db/jobs/job-record";
import { markPublished } from "../../db/jobs/mark-published";
import { replaceDebounced } from "../../db/jobs/cancel-job";
import type { JobPublisher } from "../queue/job-publisher";
import type { TaskDeclaration } from "../tasks/define-task";
import { checkJobTarget, Requester } from "../tasks/task-lookup";
import { SerialBatcher } from "../../lib/serial-batcher";
import { writeIsolatingFailures } from "../../lib/isolate-failures";
import { unstorableJsonReason } from "../../lib/storable-json";
import { isTransientDatabaseError } from "../../db/transient-errors";
import { EnqueueRequest, enqueueRequestSchema } from "./enqueue-request";

export interface EnqueueResult {
  job: JobRow;
  /** False when the idempotency key returned a job that already existed. */
  created: boolean;
}

interface PendingEnqueue {
  organizationId: string;
  job: NewJob;
  resolve(result: EnqueueResult): void;
  reject(error: unknown): void;
}

const ENQUEUE_BATCH = 1_000;

type PublishableJob = Pick<JobRow, "id" | "task" | "queue" | "run_at" | "priority" | "concurrency_key" | "throttle_key">;

/**
 * Validates, records and publishes jobs. Concurrent calls share one INSERT and one confirmed publish
 * burst (group commit), so many single-job API requests cost about what one bulk request does.
 * The row is committed before its message is published, and a confirmed publish writes nothing
 * more (decision 23): if publishing fails, this process keeps the jobs and sends them again on the
 * sweeper's next round (`retryUnconfirmed`); if the process dies first, the sweeper of any jobs
 * service finds them in Postgres after REPUBLISH_AFTER_MS. An accepted job is never lost.
 */
export class JobEnqueuer {
  private readonly batcher: SerialBatcher<PendingEnqueue>;
  /** Jobs whose publish failed in this process, until a retry is confirmed. */
  private readonly unconfirmed = new Map<string, PublishableJob>();

  constructor(
    private readonly db: Knex,
    private readonly publisher: JobPublisher,
    private readonly catalog: ReadonlyMap<string, TaskDeclaration>,
    private readonly logger: LoggerInstance,
  ) {
    this.batcher = new SerialBatcher(
      (batch) => this.write(batch),
      ENQUEUE_BATCH,
      0,
      (error, batch) => batch.forEach((pending) => pending.reject(error)),
    );
  }

  /**
   * Checks a request against the catalog (checkJobTarget) and what Postgres can store; throws a 422
   * ApiError. Flow-control keys are scoped: a key given with the request belongs to the organization
   * (one tenant's key never holds back another's), a task's own key to the task (`task:<name>:…`).
   */
  prepare(rawRequest: unknown, requester: Requester, organizationId: string): NewJob {
    const parsed = enqueueRequestSchema.safeParse(rawRequest);
    if (!parsed.success) throw validationFailed("Invalid job request", parsed.error.issues);
    const request: EnqueueRequest = parsed.data;
    const { task, payload } = checkJobTarget(this.catalog, request, requester);
    const unstorable = unstorableJsonReason(payload);
    if (unstorable) throw new ApiError(422, "VALIDATION_FAILED", "Invalid job request", [{ path: "payload", message: unstorable }]);
    const scoped = (given: string | undefined, declared: ((payload: unknown, organizationId: string) => string) | undefined) =>
      given !== undefined ? `org:${organizationId}:${given}` : declared ? `task:${task.name}:${declared(payload, organizationId)}` : null;
    const concurrencyKey = scoped(request.concurrency?.key, task.concurrency?.key);
    const debounceKey = scoped(request.debounce?.key, task.debounce?.key);
    const throttleKey = scoped(request.throttle?.key, task.throttle?.key);
    const throttle = request.throttle ?? task.throttle;
    const debounceMs = request.debounce?.periodMs ?? task.debounce?.periodMs;
    const runAt =
      request.runAt !== undefined
        ? new Date(request.runAt)
        : debounceKey && debounceMs
          ? new Date(Date.now() + debounceMs)
          : request.delayMs
            ? new Date(Date.now() + request.delayMs)
            : null;
    return {
      id: timeOrderedId(),
      task: task.name,
      queue: request.queue ?? task.queue,
      payload,
      maxAttempts: request.maxAttempts ?? task.maxAttempts,
      priority: request.priority,
      idempotencyKey: request.idempotencyKey ?? null,
      runAt,
      softTimeLimitMs: request.softTimeLimitMs ?? null,
      timeLimitMs: request.timeLimitMs ?? null,
      callbackUrl: request.callbackUrl ?? null,
      concurrencyKey,
      concurrencyLimit: concurrencyKey ? (request.concurrency?.limit ?? task.concurrency?.limit ?? null) : null,
      debounceKey,
      throttleKey,
      throttleLimit: throttleKey ? (throttle?.limit ?? null) : null,
      throttlePeriodMs: throttleKey ? (throttle?.periodMs ?? null) : null,
    };
  }

  enqueue(organizationId: string, jobs: NewJob[]): Promise<EnqueueResult[]> {
    return Promise.all(
      jobs.map(
        (job) =>
          new Promise<EnqueueResult>((resolve, reject) =>
            this.batcher.add({ organizationId, job, resolve, reject }),
          ),
      ),
    );
  }

  /**
   * Debounced jobs are written one at a time, each in a transaction that first takes its key's
   * advisory lock and cancels the waiting jobs it replaces: the last enqueue wins, also when two
   * arrive at once.
   */
  private async insertDebounced(organizationId: string, jobs: NewJob[]): Promise<InsertedJobs> {
    const created: JobRow[] = [];
    const existing = new Map<string, JobRow>();
    for (const job of jobs) {
      const key = job.debounceKey as string;
      const inserted = await this.db.transaction(async (trx) => {
        await trx.raw("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", [`debounce:${organizationId}:${key}`]);
        await replaceDebounced(trx, organizationId, key, job.id);
        return insertJobs(trx, organizationId, [job]);
      });
      created.push(...inserted.created);
      for (const [key, row] of inserted.existing) existing.set(key, row);
    }
    return { created, existing };
  }

  async drain(): Promise<void> {
    await this.batcher.drain();
  }

  private async write(batch: PendingEnqueue[]): Promise<void> {
    const byOrganization = new Map<string, PendingEnqueue[]>();
    for (const pending of batch) {
      const group = byOrganization.get(pending.organizationId) ?? [];
      group.push(pending);
      byOrganization.set(pending.organizationId, group);
    }
    const created: JobRow[] = [];
    const settle: (() => void)[] = [];
    const insert = async (organizationId: string, group: PendingEnqueue[]) => {
      const plain = group.filter((pending) => pending.job.debounceKey === null).map((pending) => pending.job);
      const debounced = group.filter((pending) => pending.job.debounceKey !== null).map((pending) => pending.job);
      const parts = [plain.length > 0 ? await insertJobs(this.db, organizationId, plain) : undefined, await this.insertDebounced(organizationId, debounced)];
      const rows = parts.flatMap((part) => part?.created ?? []);
      const existing = new Map(parts.flatMap((part) => [...(part?.existing ?? [])]));
      const createdById = new Map(rows.map((row) => [row.id, row]));
      created.push(...rows);
      for (const pending of group) {
        const row = createdById.get(pending.job.id);
        const previous = pending.job.idempotencyKey ? existing.get(pending.job.idempotencyKey) : undefined;
        // A request whose key was taken earlier in this same batch finds that job among `existing`.
        if (row) settle.push(() => pending.resolve({ job: row, created: true }));
        else if (previous) settle.push(() => pending.resolve({ job: previous, created: false }));
        else settle.push(() => pending.reject(new Error(`job ${pending.job.id} was neither inserted nor found`)));
      }
    };
    // One statement per organization; a statement that fails for one request's sake is split until
    // that request fails alone, so no request (and no other organization) pays for another's. Its own
    // error reaches its caller, where the database errors middleware answers it (422 for refused data).
    for (const [organizationId, group] of byOrganization) {
      try {
        await writeIsolatingFailures(group, (part) => insert(organizationId, part), {
          isolates: (error) => !isTransientDatabaseError(error),
          onItemFailure: (pending, error) => void settle.push(() => pending.reject(error)),
        });
      } catch (error) {
        settle.push(() => group.forEach((pending) => pending.reject(error)));
      }
    }
    // Answer after the publish so a fast producer is held back by the broker, not by memory.
    await this.publishCreated(created);
    settle.forEach((answer) => answer());
  }

  /** Publishes new jobs; those the broker does not confirm are kept for `retryUnconfirmed`. */
  async publishCreated(rows: PublishableJob[]): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.publish(rows);
    } catch (error) {
      for (const row of rows) this.unconfirmed.set(row.id, row);
      this.logger.warn(`Publishing ${rows.length} jobs failed; the sweeper will retry`, error);
    }
  }

  /**
   * Sends jobs again and marks them published (through `db`, which may be the sweeper's
   * transaction), so the sweeper does not send them once more. Throws when the broker refuses.
   */
  async republish(rows: PublishableJob[], db: Knex = this.db): Promise<void> {
    if (rows.length === 0) return;
    await this.publish(rows);
    await markPublished(db, rows.map((row) => row.id));
  }

  /** The sweeper's first step in this process: jobs whose publish failed here, sent again. */
  async retryUnconfirmed(): Promise<void> {
    const rows = [...this.unconfirmed.values()].slice(0, ENQUEUE_BATCH);
    if (rows.length === 0) return;
    await this.republish(rows);
    for (const row of rows) this.unconfirmed.delete(row.id);
  }

  private publish(rows: PublishableJob[]): Promise<void> {
    const now = Date.now();
    return this.publisher.publish(
      rows.map((row) => ({
        id: row.id,
        task: row.task,
        queue: row.queue,
        priority: row.priority,
        keyed: row.concurrency_key !== null || row.throttle_key !== null,
        delayMs: row.run_at ? Math.max(0, row.run_at.getTime() - now) : 0,
      })),
    );
  }
}
