import { Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { ApiError, conflict, notFound } from "../shared/http/api-errors";
import { cancelJob, purgeQueue } from "../shared/db/jobs/cancel-job";
import { findJob, listJobEvents, listJobs } from "../shared/db/jobs/find-jobs";
import { updatesAfter } from "../shared/db/jobs/job-updates";
import { activeCounts } from "../shared/db/jobs/active-counts";
import { flowControlState } from "../shared/db/jobs/flow-control-state";
import { HeldBack, inspectJobs } from "../shared/db/jobs/claim-jobs";
import { pausedQueues, pauseQueue, resumeQueue } from "../shared/db/jobs/queue-pauses";
import { queueStats } from "../shared/db/jobs/queue-stats";
import { JobRow, PublicJob, toPublicJob } from "../shared/db/jobs/job-record";
import { replayJob } from "../shared/db/jobs/replay-job";
import { bulkEnqueueRequestSchema } from "../shared/engine/enqueue/enqueue-request";
import { boundedUpdate } from "../shared/engine/events/bounded-update";
import { DeadLetterKeeper } from "../shared/engine/maintenance/dead-letter-keeper";
import { Maintainer } from "../shared/engine/maintenance/maintainer";
import { queueGauges } from "../shared/engine/maintenance/queue-gauges";
import { unpublishedSweeper } from "../shared/engine/maintenance/unpublished-sweeper";
import { jobRetention } from "../shared/engine/maintenance/job-retention";
import { JobEnqueuer } from "../shared/engine/enqueue/job-enqueuer";
import { organizationOf } from "../shared/http/caller";
import { jobStatusUrl } from "../shared/http/api-paths";
import { EVENT_ID, jobIdParams, jobListParams, queueNameParams } from "../shared/http/job-params";
import { HttpContext, respondWith } from "../shared/http/http-meta";
import { decodeCursor, encodeCursor } from "../shared/http/created-at-cursor";
import { parseParams } from "../shared/http/parse-params";
import { queueStatsParams } from "../shared/http/queue-stats-params";
import { JobPublisher } from "../shared/engine/queue/job-publisher";
import { QueueInspector } from "../shared/engine/queue/queue-inspector";
import { countJobs, countJobsOf, METRIC, registerMetrics } from "../shared/engine/metrics";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { WORKER_METADATA_KEY, WorkerMetadata } from "../shared/engine/worker/tasks-middleware";
import { JOB_CANCELLED_EVENT } from "../shared/lib/event-names";
import type { Requester } from "../shared/engine/tasks/task-lookup";
import { catalogQueues, taskCatalog } from "./task-catalog";

type JobsContext = HttpContext;

/** A job as the REST API answers it: with the URL to follow it at. */
const withStatusUrl = <Job extends PublicJob>(job: Job) => ({ ...job, statusUrl: jobStatusUrl(job.id) });

const scheduleIdMeta = z.string().uuid("meta.scheduleId must be a schedule id (uuid)").optional();

const updatesAfterParams = z.object({
  afterId: z.string().regex(EVENT_ID, "must be an event id"),
  jobId: z.string().uuid().optional(),
  limit: z.number().int().min(1).max(5_000).default(1_000),
});

type ListParams = z.infer<typeof jobListParams>;

/** The queue a `/queues/:name/...` call names, if some task routes to it (else 404). */
function requireQueue(ctx: JobsContext): string {
  const { name } = parseParams(queueNameParams, ctx.params);
  if (!catalogQueues().includes(name)) throw notFound("Queue");
  return name;
}

/**
 * The job registry: enqueue (single and bulk), read, list, cancel, replay, dead letters. It validates
 * against the task catalog and records jobs; workers (any service with `tasks:`) run them.
 */
export default class JobsService extends Service {
  private runtime!: Runtime;
  private enqueuer!: JobEnqueuer;
  private inspector!: QueueInspector;
  private maintainer: Maintainer | undefined;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "jobs",
      actions: {
        // enqueue and enqueueMany are the services' API (enqueue() in shared/engine/enqueue), which may
        // enqueue internal tasks; create and createMany are the tenants' through REST: public tasks only,
        // answered with their HTTP status, Location and statusUrl.
        enqueue: (ctx: JobsContext) => this.enqueue(ctx, "service"),
        enqueueMany: (ctx: JobsContext) => this.enqueueMany(ctx, "service"),
        create: async (ctx: JobsContext) => {
          const { job, created } = await this.enqueue(ctx, "tenant");
          respondWith(ctx, created ? 202 : 200, jobStatusUrl(job.id));
          return withStatusUrl(job);
        },
        createMany: async (ctx: JobsContext) => {
          const { jobs } = await this.enqueueMany(ctx, "tenant");
          respondWith(ctx, 202);
          return { jobs: jobs.map(withStatusUrl) };
        },
        get: (ctx: JobsContext) => this.get(ctx),
        events: (ctx: JobsContext) => this.listEvents(ctx),
        updatesAfter: async (ctx: JobsContext) => {
          const params = parseParams(updatesAfterParams, ctx.params);
          const updates = await updatesAfter(this.runtime.db, params.afterId, { organizationId: organizationOf(ctx), jobId: params.jobId }, params.limit);
          // The same shape as the notifier's broadcast: large payloads and results by reference.
          return updates.map(boundedUpdate);
        },
        list: (ctx: JobsContext) => this.listPage(organizationOf(ctx), parseParams(jobListParams, ctx.params), false),
        deadLetters: (ctx: JobsContext) =>
          this.listPage(organizationOf(ctx), parseParams(jobListParams.omit({ status: true }), ctx.params), true),
        cancel: (ctx: JobsContext) => this.cancel(ctx),
        replay: (ctx: JobsContext) => this.replay(ctx),
        ready: () => this.ready(),
        queues: (ctx: JobsContext) => this.queueOverview(organizationOf(ctx)),
        queueStats: (ctx: JobsContext) =>
          queueStats(this.runtime.db, organizationOf(ctx), parseParams(queueStatsParams, ctx.params).minutes, catalogQueues()),
        purge: (ctx: JobsContext) => this.purge(ctx),
        pauseQueue: (ctx: JobsContext) => this.setPaused(ctx, true),
        resumeQueue: (ctx: JobsContext) => this.setPaused(ctx, false),
        // The dashboard's flow-control panel: paused queues, concurrency keys and throttles of the caller.
        flowControl: (ctx: JobsContext) => flowControlState(this.runtime.db, organizationOf(ctx)),
        workers: (ctx: JobsContext) => this.workers(ctx),
        tasks: () => ({
          items: [...taskCatalog.values()].filter((task) => task.visibility === "public").map((task) => ({
            name: task.name,
            queue: task.queue,
            maxAttempts: task.maxAttempts,
            backoff: task.backoff,
          })),
        }),
      },
      started: () => this.startService(),
      stopped: () => this.stopService(),
    });
  }

  private async enqueue(ctx: JobsContext, requester: Requester): Promise<{ job: PublicJob; created: boolean }> {
    const organizationId = organizationOf(ctx);
    const job = { ...this.enqueuer.prepare(ctx.params, requester, organizationId), scheduleId: parseParams(scheduleIdMeta, ctx.meta.scheduleId) ?? null };
    const [result] = await this.enqueuer.enqueue(organizationId, [job]);
    if (result.created) countJobs(this.broker, METRIC.enqueued, result.job.task, result.job.queue);
    return { job: toPublicJob(result.job), created: result.created };
  }

  private async enqueueMany(ctx: JobsContext, requester: Requester): Promise<{ jobs: (PublicJob & { created: boolean })[] }> {
    const organizationId = organizationOf(ctx);
    const { jobs } = parseParams(bulkEnqueueRequestSchema, ctx.params);
    const prepared = jobs.map((request, index) => {
      try {
        return this.enqueuer.prepare(request, requester, organizationId);
      } catch (error) {
        if (error instanceof ApiError) {
          throw new ApiError(error.code, error.type, `jobs[${index}]: ${error.message}`, error.data);
        }
        throw error;
      }
    });
    const results = await this.enqueuer.enqueue(organizationId, prepared);
    countJobsOf(this.broker, METRIC.enqueued, results.filter((result) => result.created).map((result) => result.job));
    return { jobs: results.map(({ job, created }) => ({ ...toPublicJob(job), created })) };
  }

  /** A job; one that is due but held back by flow control says why (`heldBack`). */
  private async get(ctx: JobsContext): Promise<PublicJob & { heldBack?: Exclude<HeldBack, null> }> {
    const row = await this.requireJob(ctx);
    const job = toPublicJob(row);
    if (!["scheduled", "queued", "retrying"].includes(row.status)) return job;
    const [inspected] = await inspectJobs(this.runtime.db, [row.id], this.runtime.config.QUEUE_FAIR_SHARES);
    return inspected?.held_back ? { ...job, heldBack: inspected.held_back } : job;
  }

  private async listEvents(ctx: JobsContext) {
    const job = await this.requireJob(ctx);
    const events = await listJobEvents(this.runtime.db, job.id);
    return {
      items: events.map((event) => ({
        id: event.id,
        type: event.type,
        data: event.data,
        createdAt: event.created_at.toISOString(),
      })),
    };
  }

  private async cancel(ctx: JobsContext): Promise<PublicJob> {
    const { id } = parseParams(jobIdParams, ctx.params);
    const organizationId = organizationOf(ctx);
    const cancelled = await cancelJob(this.runtime.db, organizationId, id);
    if (!cancelled) {
      const existing = await this.requireJob(ctx);
      throw conflict(`Job is ${existing.status} and can no longer be cancelled`);
    }
    await ctx.broadcast(JOB_CANCELLED_EVENT, { id });
    return toPublicJob(cancelled);
  }

  private async replay(ctx: JobsContext) {
    const { id } = parseParams(jobIdParams, ctx.params);
    const replayed = await replayJob(this.runtime.db, organizationOf(ctx), id);
    if (!replayed) {
      const existing = await this.requireJob(ctx);
      throw conflict(`Job is ${existing.status}; only failed or cancelled jobs can be replayed`);
    }
    await this.enqueuer.publishCreated([replayed]);
    respondWith(ctx, 202, jobStatusUrl(replayed.id));
    return withStatusUrl(toPublicJob(replayed));
  }

  /**
   * Each known queue: its consumers and the caller's unfinished jobs. The broker's depths count every
   * organization's messages, so they are for operators only (/metrics), never in a tenant's answer.
   */
  private async queueOverview(organizationId: string) {
    const queues = catalogQueues().sort();
    const [depths, counts, paused] = await Promise.all([
      this.inspector.depths(queues),
      activeCounts(this.runtime.db, organizationId),
      pausedQueues(this.runtime.db, organizationId),
    ]);
    return {
      items: queues.map((queue) => ({
        queue,
        consumers: depths.find((depth) => depth.queue === queue)?.consumers ?? null,
        paused: paused.has(queue),
        jobs: counts.get(queue) ?? { scheduled: 0, queued: 0, running: 0, retrying: 0 },
      })),
    };
  }

  /** Pauses or resumes the caller's jobs on a queue: waiting ones stay waiting, running ones finish. */
  private async setPaused(ctx: JobsContext, paused: boolean): Promise<{ queue: string; paused: boolean }> {
    const queue = requireQueue(ctx);
    await (paused ? pauseQueue : resumeQueue)(this.runtime.db, organizationOf(ctx), queue);
    return { queue, paused };
  }

  /** Cancels the caller's waiting jobs on a queue that some task routes to; running ones finish. */
  private async purge(ctx: JobsContext): Promise<{ queue: string; cancelled: number }> {
    const queue = requireQueue(ctx);
    return { queue, cancelled: await purgeQueue(this.runtime.db, organizationOf(ctx), queue) };
  }

  /** Services that run tasks, per node, from the Moleculer registry (see the tasks middleware). */
  private async workers(ctx: JobsContext) {
    const services = await ctx.call<
      { name: string; nodes?: string[]; nodeID?: string; metadata?: Record<string, unknown> }[],
      object
    >("$node.services", { onlyAvailable: true, skipInternal: true, withActions: false, withEvents: false, grouping: true });
    return {
      items: services
        .filter((service) => service.metadata?.[WORKER_METADATA_KEY])
        .map((service) => ({
          service: service.name,
          nodes: service.nodes ?? (service.nodeID ? [service.nodeID] : []),
          ...(service.metadata?.[WORKER_METADATA_KEY] as WorkerMetadata),
        })),
    };
  }

  /** Readiness: Postgres answers and RabbitMQ is connected. */
  private async ready(): Promise<{ status: "ready" }> {
    const problems: string[] = [];
    await this.runtime.db.raw("SELECT 1").catch(() => problems.push("postgres unreachable"));
    if (!this.runtime.amqp.connected) problems.push("rabbitmq disconnected");
    if (problems.length > 0) throw new ApiError(503, "NOT_READY", problems.join("; "));
    return { status: "ready" };
  }

  private async requireJob(ctx: JobsContext): Promise<JobRow> {
    const { id } = parseParams(jobIdParams, ctx.params);
    const row = await findJob(this.runtime.db, organizationOf(ctx), id);
    if (!row) throw notFound("Job");
    return row;
  }

  private async listPage(organizationId: string, params: Omit<ListParams, "status"> & Partial<ListParams>, deadLettered: boolean) {
    const rows = await listJobs(
      this.runtime.db,
      organizationId,
      {
        id: params.id,
        status: params.status,
        task: params.task,
        queue: params.queue,
        createdAfter: params.createdAfter ? new Date(params.createdAfter) : undefined,
        createdBefore: params.createdBefore ? new Date(params.createdBefore) : undefined,
        deadLettered,
        scheduleId: params.scheduleId,
        payload: params.payload,
      },
      params.limit + 1,
      params.cursor ? decodeCursor(params.cursor) : undefined,
    );
    const page = rows.slice(0, params.limit);
    return {
      items: page.map(toPublicJob),
      nextCursor: rows.length > params.limit ? encodeCursor(page[page.length - 1]) : null,
    };
  }

  private async startService(): Promise<void> {
    this.runtime = await runtimeFor(this.broker);
    registerMetrics(this.broker);
    const publisher = new JobPublisher(this.runtime.amqp, this.runtime.topology);
    await publisher.start();
    this.enqueuer = new JobEnqueuer(this.runtime.db, publisher, taskCatalog, this.logger);
    this.inspector = new QueueInspector(this.runtime.amqp, this.runtime.topology);
    const queues = catalogQueues();
    const { db, amqp, topology, config } = this.runtime;
    // Every jobs service runs these: the sweeper locks with SKIP LOCKED, the keepers compete for messages.
    this.maintainer = new Maintainer({
      logger: this.logger,
      everywhere: [
        unpublishedSweeper({ db, enqueuer: this.enqueuer, intervalMs: config.SWEEP_INTERVAL_MS, republishAfterMs: config.REPUBLISH_AFTER_MS, logger: this.logger }),
        new DeadLetterKeeper(db, amqp, topology, queues, this.logger),
        jobRetention({ db, retention: { succeededMs: config.JOB_RETENTION_SUCCEEDED_MS, failedMs: config.JOB_RETENTION_FAILED_MS }, logger: this.logger }),
        ...(this.broker.isMetricsEnabled() ? [queueGauges({ broker: this.broker, inspector: this.inspector, queues })] : []),
      ],
    });
    await this.maintainer.start();
  }

  private async stopService(): Promise<void> {
    await this.maintainer?.stop();
    await this.enqueuer?.drain();
  }
}
