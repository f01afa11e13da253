import { z } from "zod";
import { DOCUMENT_STATUSES, PublicDocument } from "../../shared/db/documents/document-record";
import type { PublicRun } from "../../shared/db/ingestion/run-record";
import type { PublicIssue } from "../../shared/db/issues/issue-record";
import { JOB_STATUSES, PublicJob } from "../../shared/db/jobs/job-record";
import type { HeldBack } from "../../shared/db/jobs/claim-jobs";
import { ConcurrencyKeyState, FlowControlState, MAX_FLOW_KEYS, ThrottleState } from "../../shared/db/jobs/flow-control-state";
import type { PublicQueueStats, StatsBucket, StatsSeries } from "../../shared/db/jobs/queue-stats";
import type { PublicSchedule, PublicScheduleRun } from "../../shared/db/schedules/schedule-record";
import { MISSED_RUN_POLICIES, SCHEDULE_KINDS } from "../../shared/db/schedules/schedule-timing";
import { DOCUMENT_TYPES } from "../../shared/domains/documents/document-types";

/**
 * What the API answers, as zod schemas: the OpenAPI document's response schemas are generated from
 * these (services/gateway/openapi.ts). Each is declared as a schema of its public type, so a field
 * added to the type and not here fails the type check; test/integration/openapi.test.ts validates
 * real answers against the document, so a field sent and not documented fails there.
 */

type KeysOf<Schema extends z.AnyZodObject> = keyof z.infer<Schema>;
/** Fields of the public type the schema lacks, and fields it has that the type does not. */
type Drift<Public, Schema extends z.AnyZodObject> = Exclude<keyof Public, KeysOf<Schema>> | Exclude<KeysOf<Schema>, keyof Public>;

/** A schema with exactly the fields of the given public type; a field missing on either side fails the type check. */
const schemaOf =
  <Public>() =>
  <Schema extends z.AnyZodObject>(schema: Schema & ([Drift<Public, Schema>] extends [never] ? unknown : { drift: Drift<Public, Schema> })) =>
    schema as Schema;

const dateTime = z.string().datetime({ offset: true });
const uuid = z.string().uuid();
const jobStatus = z.enum(JOB_STATUSES);

export const jobSchema = schemaOf<PublicJob & { statusUrl?: string; heldBack?: Exclude<HeldBack, null> }>()(
  z.object({
    id: uuid,
    organizationId: uuid,
    task: z.string(),
    queue: z.string(),
    payload: z.unknown(),
    status: jobStatus,
    attempts: z.number().int(),
    maxAttempts: z.number().int(),
    interruptions: z.number().int().describe("Attempts cut short by a shutdown or a lost worker; they do not count towards maxAttempts"),
    worker: z.string().nullable().describe("The worker node that runs the current attempt, or ran the last one"),
    priority: z.number().int(),
    progress: z.object({ percent: z.number(), step: z.string().optional(), message: z.string().optional() }).nullable(),
    result: z.unknown(),
    error: z.object({ type: z.string(), message: z.string() }).nullable(),
    idempotencyKey: z.string().nullable(),
    callbackUrl: z.string().nullable(),
    scheduleId: uuid.nullable().describe("The schedule that fired this job"),
    runAt: dateTime.nullable(),
    createdAt: dateTime,
    startedAt: dateTime.nullable(),
    finishedAt: dateTime.nullable(),
    updatedAt: dateTime,
    deadLetteredAt: dateTime.nullable(),
    statusUrl: z.string().optional().describe("Where to follow the job; on answers to enqueue and replay"),
    heldBack: z
      .enum(["paused", "concurrency", "fair_share", "throttled"])
      .optional()
      .describe("GET /jobs/{id} of a due job that waits: its queue is paused, its concurrency key is full, its organization holds its fair share of the queue (QUEUE_FAIR_SHARES), or its throttle's starts for the period are used up"),
  }),
);

/** A cursor-paged list: `{ items, nextCursor }`. */
export const pageOf = (item: z.ZodTypeAny) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe("Pass as `cursor` for the next page; null on the last") });

export const bulkJobsSchema = z.object({
  jobs: z.array(jobSchema.extend({ created: z.boolean().describe("false: an existing job with this idempotency key") })),
});

export const jobEventSchema = z.object({
  id: z.string().describe("The SSE event id (Last-Event-ID)"),
  type: z.string().describe("queued, running, progress, retrying, succeeded, failed, cancelled, …"),
  data: z.unknown(),
  createdAt: dateTime,
});

const statsCounts = {
  started: z.number().int().describe("Attempts started (each claim of a job)"),
  succeeded: z.number().int(),
  failed: z.number().int().describe("Jobs that failed for good (dead-lettered)"),
  latencyP50Ms: z.number().nullable().describe("Median wait of first attempts from due (run_at, else creation) to start; null with none"),
  latencyP99Ms: z.number().nullable(),
};

const statsSeriesSchema = schemaOf<StatsSeries>()(
  z.object({
    ...statsCounts,
    buckets: z.array(schemaOf<StatsBucket>()(z.object({ at: dateTime.describe("Start of the bucket; the last one is still filling"), ...statsCounts }))),
  }),
);

export const queueStatsSchema = schemaOf<PublicQueueStats>()(
  z.object({
    minutes: z.number().int(),
    bucketSeconds: z.number().int().describe("Length of each bucket: a count divided by it is a rate per second"),
    from: dateTime.describe("Start of the first bucket"),
    to: dateTime,
    all: statsSeriesSchema.describe("Every queue together"),
    queues: z.array(statsSeriesSchema.extend({ queue: z.string() })).describe("Each queue a task routes to, and any other that had jobs in the window"),
  }),
);

const flowKeyFields = {
  key: z.string().describe("As stored: `org:<organization id>:<key>` for a key given with an enqueue, `task:<task>:<key>` for one a task declares"),
  scope: z.enum(["organization", "task"]).describe("organization: given with an enqueue, limits this organization's jobs only; task: declared by the task"),
  name: z.string().describe("The key without its prefix, as given"),
  task: z.string().nullable().describe("The task that declared the key; null for an organization's key"),
};

export const flowControlSchema = schemaOf<FlowControlState>()(
  z.object({
    pausedQueues: z.array(z.string()).describe("Queues the organization paused (POST /queues/{name}/pause), by name"),
    concurrencyKeys: z
      .array(
        schemaOf<ConcurrencyKeyState>()(
          z.object({
            ...flowKeyFields,
            running: z.number().int().describe("The organization's jobs of the key running with a live lease: the slots taken"),
            waiting: z.number().int().describe("Its jobs of the key that wait (scheduled, queued, retrying)"),
            limit: z.number().int().describe("The smallest limit the key's unfinished jobs give: at most this many run at once"),
          }),
        ),
      )
      .describe(`Each concurrency key the organization's unfinished jobs carry, the busiest (running + waiting) first, at most ${MAX_FLOW_KEYS}`),
    throttles: z
      .array(
        schemaOf<ThrottleState>()(
          z.object({
            ...flowKeyFields,
            limit: z.number().int().describe("At most this many starts per periodMs (the smallest its unfinished jobs give)"),
            periodMs: z.number().int().describe("The period, the smallest its unfinished jobs give"),
            startsInPeriod: z.number().int().describe("Starts of the key within the last periodMs; at the limit, its jobs wait"),
            waiting: z.number().int().describe("The organization's jobs of the key that wait (scheduled, queued, retrying)"),
          }),
        ),
      )
      .describe(`Each throttle key the organization's unfinished jobs carry, the busiest (running + waiting) first, at most ${MAX_FLOW_KEYS}`),
    truncated: z.boolean().describe(`More than ${MAX_FLOW_KEYS} keys of a kind: the least busy were left out`),
  }),
);

export const scheduleSchema = schemaOf<PublicSchedule>()(
  z.object({
    id: uuid,
    organizationId: uuid,
    name: z.string(),
    task: z.string(),
    payload: z.unknown(),
    queue: z.string().nullable(),
    priority: z.number().int(),
    options: z.object({
      maxAttempts: z.number().int().optional(),
      softTimeLimitMs: z.number().int().optional(),
      timeLimitMs: z.number().int().optional(),
      callbackUrl: z.string().optional(),
    }),
    kind: z.enum(SCHEDULE_KINDS),
    cron: z.string().nullable(),
    timezone: z.string(),
    intervalMs: z.number().int().nullable(),
    runAt: dateTime.nullable(),
    enabled: z.boolean(),
    state: z.enum(["active", "paused", "finished"]),
    startAt: dateTime.nullable(),
    expiresAt: dateTime.nullable(),
    maxRuns: z.number().int().nullable(),
    missedRunPolicy: z.enum(MISSED_RUN_POLICIES),
    totalRunCount: z.number().int(),
    lastRunAt: dateTime.nullable(),
    nextRunAt: dateTime.nullable(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

export const scheduleRunSchema = schemaOf<PublicScheduleRun>()(
  z.object({
    id: z.string(),
    scheduleId: uuid,
    fireTime: dateTime,
    trigger: z.enum(["schedule", "manual"]),
    coalescedRuns: z.number().int().describe("Missed fire times this catch-up run stands for"),
    jobId: uuid.nullable(),
    jobStatus: jobStatus.nullable(),
    error: z.object({ type: z.string(), message: z.string() }).nullable().describe("Why the job was refused (task or payload no longer valid)"),
    createdAt: dateTime,
  }),
);

export const issueSchema = schemaOf<PublicIssue & { enrichment: { statusUrl: string | null } }>()(
  z.object({
    id: uuid,
    title: z.string(),
    body: z.string(),
    labels: z.array(z.string()),
    author: z.string().nullable(),
    version: z.number().int().describe("Counts edits of title and body"),
    aiSummary: z.string().nullable(),
    tags: z.array(z.string()),
    enrichment: z.object({
      status: jobStatus.nullable().describe("The latest enrichment job's status"),
      jobId: uuid.nullable(),
      statusUrl: z.string().nullable(),
      enricher: z.string().nullable(),
      enrichedVersion: z.number().int().nullable().describe("The version aiSummary and tags were computed for"),
      enrichedAt: dateTime.nullable(),
    }),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

const documentTypes = Object.values(DOCUMENT_TYPES) as [string, ...string[]];

export const documentSchema = schemaOf<PublicDocument>()(
  z.object({
    id: uuid,
    filename: z.string().describe("The client's file name, sanitised (last path segment, no control characters)"),
    contentType: z.enum(documentTypes),
    sizeBytes: z.number().int(),
    chunkSize: z.number().int(),
    overlap: z.number().int(),
    status: z.enum(DOCUMENT_STATUSES),
    error: z.string().nullable(),
    chunkCount: z.number().int(),
    embedder: z.string().nullable(),
    job: z.object({ id: uuid, status: jobStatus.nullable(), statusUrl: z.string() }).nullable(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

export const documentBatchSchema = z.object({
  items: z.array(
    z.object({
      filename: z.string(),
      status: z.enum(["queued", "rejected"]),
      documentId: uuid.optional(),
      jobId: uuid.optional(),
      statusUrl: z.string().optional(),
      reason: z.string().optional(),
    }),
  ),
});

export const searchResultsSchema = z.object({
  items: z.array(
    z.object({
      documentId: uuid,
      filename: z.string(),
      ordinal: z.number().int(),
      content: z.string(),
      score: z.number().describe("Cosine similarity, -1 to 1"),
    }),
  ),
});

export const chunkSchema = z.object({ ordinal: z.number().int(), content: z.string() });

export const ingestionRunSchema = schemaOf<PublicRun & { statusUrl: string | null }>()(
  z.object({
    id: uuid,
    provider: z.string(),
    source: z.string().describe("Records are unique per (organization, source, external id)"),
    filters: z.record(z.unknown()),
    options: z.record(z.unknown()),
    status: z.enum(["running", "success", "failed"]),
    records: z.object({ read: z.number().int(), written: z.number().int(), skipped: z.number().int(), failed: z.number().int() }),
    total: z.number().int().nullable(),
    checkpoint: z.record(z.unknown()).nullable().describe("Where a retried attempt resumes"),
    error: z.string().nullable(),
    jobId: uuid.nullable(),
    jobStatus: jobStatus.nullable(),
    statusUrl: z.string().nullable(),
    createdAt: dateTime,
    updatedAt: dateTime,
  }),
);

export const webhookSubscriptionSchema = z.object({
  id: uuid,
  url: z.string(),
  eventTypes: z.array(z.string()),
  task: z.string().nullable(),
  active: z.boolean(),
  createdAt: dateTime,
  updatedAt: dateTime,
  secret: z.string().optional().describe("Only in the answer to its creation: store it to verify signatures"),
});

export const webhookDeliverySchema = z.object({
  id: uuid,
  subscriptionId: uuid.nullable(),
  jobId: uuid,
  eventId: z.string(),
  eventType: z.string(),
  url: z.string(),
  status: z.enum(["pending", "succeeded", "failed"]),
  attempts: z.number().int(),
  /** How many times the delivery was replayed (POST /webhooks/deliveries/:id/replay). */
  replays: z.number().int(),
  lastStatusCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: dateTime,
  updatedAt: dateTime,
});

export const webhookPlanningSchema = z.object({
  lagEvents: z.number().int(),
  checkpoint: z.string(),
  outbox: z.number().int(),
  failed: z.number().int(),
});

export const errorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
});
