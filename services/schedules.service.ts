import { Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { config } from "../config";
import { conflict, limitReached, notFound } from "../shared/http/api-errors";
import { countSchedules } from "../shared/db/schedules/count-schedules";
import type { PublicJob } from "../shared/db/jobs/job-record";
import { attachJobs } from "../shared/db/schedules/attach-jobs";
import { deleteSchedule } from "../shared/db/schedules/delete-schedule";
import { findSchedule } from "../shared/db/schedules/find-schedule";
import { insertSchedule } from "../shared/db/schedules/insert-schedule";
import { listRuns } from "../shared/db/schedules/list-runs";
import { listSchedules } from "../shared/db/schedules/list-schedules";
import { recordManualRun } from "../shared/db/schedules/record-manual-run";
import { PublicSchedule, PublicScheduleRun, ScheduleRow, toPublicRun, toPublicSchedule } from "../shared/db/schedules/schedule-record";
import { updateSchedule } from "../shared/db/schedules/update-schedule";
import { enqueueRequest } from "../shared/engine/enqueue/enqueue";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import { requestOf, scheduleFields } from "../shared/domains/schedules/schedule-definition";
import {
  applyPatch,
  checkScheduledTask,
  checkScheduleFrequency,
  ScheduleRequest,
  schedulePatchSchema,
  scheduleRequestSchema,
} from "../shared/domains/schedules/schedule-request";
import { isRefusal, scheduledJobRequest } from "../shared/domains/schedules/scheduled-job";
import { organizationOf } from "../shared/http/caller";
import { apiPath, jobStatusUrl } from "../shared/http/api-paths";
import { HttpContext, respondWith } from "../shared/http/http-meta";
import { scheduleIdParams, scheduleListParams, scheduleRunsParams } from "../shared/domains/schedules/schedule-params";
import { taskCatalog } from "./task-catalog";

type SchedulesContext = HttpContext;



/** Fields whose change moves the next fire time; any other edit keeps it. */
const TIMING_FIELDS = ["cron", "timezone", "intervalMs", "runAt", "startAt", "expiresAt", "maxRuns"] as const;
const timingKey = (request: ScheduleRequest) => JSON.stringify(TIMING_FIELDS.map((field) => request[field] ?? null));

const isUniqueViolation = (error: unknown) => (error as { code?: string }).code === "23505";

const encodeCursor = (name: string) => Buffer.from(name, "utf8").toString("base64url");

/**
 * Schedules as an API: create, list, read, edit, pause, resume, delete, run now, and each schedule's
 * recent runs. Every change commits with a NOTIFY, so the leading scheduler sees it at once; this
 * service itself holds no state and runs wherever the gateway does.
 */
export default class SchedulesService extends Service {
  private runtime!: Runtime;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "schedules",
      actions: {
        create: (ctx: SchedulesContext) => this.create(ctx),
        list: (ctx: SchedulesContext) => this.list(ctx),
        get: async (ctx: SchedulesContext) => toPublicSchedule(await this.requireSchedule(ctx)),
        update: (ctx: SchedulesContext) => {
          const { id: _, ...patch } = ctx.params;
          return this.edit(ctx, parseParams(schedulePatchSchema, patch));
        },
        pause: (ctx: SchedulesContext) => this.edit(ctx, { enabled: false }),
        resume: (ctx: SchedulesContext) => this.edit(ctx, { enabled: true }),
        remove: async (ctx: SchedulesContext) => {
          const { id } = parseParams(scheduleIdParams, ctx.params);
          if (!(await deleteSchedule(this.runtime.db, organizationOf(ctx), id))) throw notFound("Schedule");
          return { id, deleted: true };
        },
        runNow: (ctx: SchedulesContext) => this.runNow(ctx),
        runs: (ctx: SchedulesContext) => this.runs(ctx),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
      },
    });
  }

  private async create(ctx: SchedulesContext): Promise<PublicSchedule> {
    const request = parseParams(scheduleRequestSchema, ctx.params);
    checkScheduledTask(request, taskCatalog);
    const settings = config();
    checkScheduleFrequency(request, settings.SCHEDULE_MIN_INTERVAL_MS);
    const organizationId = organizationOf(ctx);
    if ((await countSchedules(this.runtime.db, organizationId)) >= settings.SCHEDULES_MAX_PER_ORGANIZATION) {
      throw limitReached("schedules", settings.SCHEDULES_MAX_PER_ORGANIZATION, "SCHEDULES_MAX_PER_ORGANIZATION");
    }
    const fields = scheduleFields(request, new Date(), { lastRunAt: null, totalRunCount: 0 });
    const row = await insertSchedule(this.runtime.db, organizationId, fields).catch((error: unknown) => {
      throw isUniqueViolation(error) ? conflict(`A schedule named "${request.name}" already exists`) : error;
    });
    respondWith(ctx, 201, apiPath("schedules", row.id));
    return toPublicSchedule(row);
  }

  private async list(ctx: SchedulesContext): Promise<{ items: PublicSchedule[]; nextCursor: string | null }> {
    const { limit, cursor, ...filter } = parseParams(scheduleListParams, ctx.params);
    const after = cursor === undefined ? undefined : Buffer.from(cursor, "base64url").toString("utf8");
    const rows = await listSchedules(this.runtime.db, organizationOf(ctx), filter, limit + 1, after);
    const page = rows.slice(0, limit);
    return { items: page.map(toPublicSchedule), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].name) : null };
  }

  /**
   * Applies an edit (PATCH, pause, resume) to the locked row and validates the result as a whole. The
   * next fire time is recomputed when the timing changed or the schedule is resumed, else kept.
   */
  private async edit(ctx: SchedulesContext, patch: z.infer<typeof schedulePatchSchema>): Promise<PublicSchedule> {
    const { id } = parseParams(scheduleIdParams.passthrough(), ctx.params);
    const organizationId = organizationOf(ctx);
    const row = await this.runtime.db.transaction(async (trx) => {
      const current = await findSchedule(trx, organizationId, id, { lock: true });
      if (!current) throw notFound("Schedule");
      const before = scheduleRequestSchema.safeParse(requestOf(current));
      const request = parseParams(scheduleRequestSchema, applyPatch(requestOf(current), patch));
      // Only an edit of the task or payload checks them: a schedule whose task has left the catalog can still be paused.
      if (patch.task !== undefined || patch.payload !== undefined) checkScheduledTask(request, taskCatalog);
      checkScheduleFrequency(request, config().SCHEDULE_MIN_INTERVAL_MS);
      const unchanged = before.success && current.enabled && timingKey(before.data) === timingKey(request);
      const progress = { lastRunAt: current.last_run_at, totalRunCount: current.total_run_count };
      const fields = scheduleFields(request, new Date(), progress, unchanged ? current.next_run_at : undefined);
      return updateSchedule(trx, organizationId, id, fields).catch((error: unknown) => {
        throw isUniqueViolation(error) ? conflict(`A schedule named "${request.name}" already exists`) : error;
      });
    });
    if (!row) throw notFound("Schedule");
    return toPublicSchedule(row);
  }

  /**
   * Fires the schedule now, whatever its state, as a run of its own (trigger "manual", counted in
   * totalRunCount). If enqueueing fails for a reason other than a refusal, the run stays recorded and
   * the leading scheduler enqueues it later.
   */
  private async runNow(ctx: SchedulesContext): Promise<{ run: PublicScheduleRun; job: PublicJob }> {
    const schedule = await this.requireSchedule(ctx);
    const run = await recordManualRun(this.runtime.db, schedule.organization_id, schedule.id);
    if (!run) throw conflict("Another run of this schedule has this very fire time; try again");
    try {
      const { job } = await enqueueRequest(ctx, schedule.organization_id, scheduledJobRequest(schedule, run.fire_time), { scheduleId: schedule.id });
      await attachJobs(this.runtime.db, [{ runId: String(run.id), jobId: job.id, error: null }]);
      respondWith(ctx, 202, jobStatusUrl(job.id));
      return { run: toPublicRun({ ...run, job_id: job.id, job_status: job.status }), job };
    } catch (error) {
      if (isRefusal(error)) {
        const { name, message } = error as Error;
        await attachJobs(this.runtime.db, [{ runId: String(run.id), jobId: null, error: { type: name, message } }]);
      }
      throw error;
    }
  }

  private async runs(ctx: SchedulesContext): Promise<{ items: PublicScheduleRun[]; nextCursor: string | null }> {
    const { id, limit, before } = parseParams(scheduleRunsParams, ctx.params);
    const organizationId = organizationOf(ctx);
    if (!(await findSchedule(this.runtime.db, organizationId, id))) throw notFound("Schedule");
    const rows = await listRuns(this.runtime.db, organizationId, id, limit + 1, before ? new Date(before) : null);
    const page = rows.slice(0, limit);
    return { items: page.map(toPublicRun), nextCursor: rows.length > limit ? page[page.length - 1].fire_time.toISOString() : null };
  }

  private async requireSchedule(ctx: SchedulesContext): Promise<ScheduleRow> {
    const { id } = parseParams(scheduleIdParams.passthrough(), ctx.params);
    const row = await findSchedule(this.runtime.db, organizationOf(ctx), id);
    if (!row) throw notFound("Schedule");
    return row;
  }
}
