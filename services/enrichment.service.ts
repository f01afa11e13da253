import { Service, ServiceBroker } from "moleculer";
import { notFound } from "../shared/http/api-errors";
import { organizationOf } from "../shared/http/caller";
import { apiPath, jobStatusUrl } from "../shared/http/api-paths";
import { HttpContext, respondWith } from "../shared/http/http-meta";
import { issueCreateParams, issueIdParams, issueListParams, issueUpdateParams } from "../shared/domains/enrichment/issue-params";
import { decodeCursor, encodeCursor } from "../shared/http/created-at-cursor";
import { findIssue } from "../shared/db/issues/find-issue";
import { insertIssue } from "../shared/db/issues/insert-issue";
import { IssueRow, PublicIssue, toPublicIssue } from "../shared/db/issues/issue-record";
import { listIssues } from "../shared/db/issues/list-issues";
import { setEnrichmentJob } from "../shared/db/issues/set-enrichment-job";
import { updateIssue } from "../shared/db/issues/update-issue";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";
import type { PublicJob } from "../shared/db/jobs/job-record";
import { enqueue, enqueueMany, jobFor } from "../shared/engine/enqueue/enqueue";
import { enrichIssue, enrichmentTasks, notifyIssueCreated } from "./enrichment.tasks";

type IssuesContext = HttpContext;


/** The row as it reads once `job` is linked, without reading it again. */
const withJob = (row: IssueRow, job: PublicJob): IssueRow => ({ ...row, enrichment_job_id: job.id, enrichment_status: job.status });

/** The issue as clients see it, with where to follow its enrichment job. */
const publicView = (row: IssueRow) => {
  const issue = toPublicIssue(row);
  const { jobId } = issue.enrichment;
  return { ...issue, enrichment: { ...issue.enrichment, statusUrl: jobId ? jobStatusUrl(jobId) : null } };
};

/**
 * Issues with AI enrichment: create, read, list, edit, re-enrich. Every new text version gets an
 * `ai.enrich_issue` job that fills aiSummary and tags; creation also enqueues `ai.notify_issue_created`,
 * which emits `issue.created`. The same service runs both tasks (start it with WORKER_QUEUES=ai for a
 * worker-only process, or leave `ai` out on API nodes).
 */
export default class EnrichmentService extends Service {
  private runtime!: Runtime;

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "enrichment",
      tasks: enrichmentTasks,
      actions: {
        create: (ctx: IssuesContext) => this.create(ctx),
        get: async (ctx: IssuesContext) => publicView(await this.requireIssue(ctx)),
        list: (ctx: IssuesContext) => this.list(ctx),
        update: (ctx: IssuesContext) => this.update(ctx),
        enrich: (ctx: IssuesContext) => this.enrich(ctx),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
      },
    });
  }

  private async create(ctx: IssuesContext) {
    const fields = parseParams(issueCreateParams, ctx.params);
    const organizationId = organizationOf(ctx);
    const issue = await insertIssue(this.runtime.db, organizationId, fields);
    // One call for both jobs: the jobs service writes them in the same batch, with one publish round.
    const { jobs } = await enqueueMany(ctx, organizationId, [
      jobFor(enrichIssue, { issueId: issue.id, version: issue.version }, { idempotencyKey: `${issue.id}:v${issue.version}` }),
      jobFor(notifyIssueCreated, { issueId: issue.id }, { idempotencyKey: `${issue.id}:created` }),
    ]);
    await setEnrichmentJob(this.runtime.db, organizationId, issue.id, issue.version, jobs[0].id);
    respondWith(ctx, 201, apiPath("issues", issue.id));
    return publicView(withJob(issue, jobs[0]));
  }

  private async list(ctx: IssuesContext): Promise<{ items: PublicIssue[]; nextCursor: string | null }> {
    const { limit, cursor, tag, label, ...filter } = parseParams(issueListParams, ctx.params);
    const rows = await listIssues(
      this.runtime.db,
      organizationOf(ctx),
      { ...filter, tags: tag, labels: label },
      limit + 1,
      cursor === undefined ? undefined : decodeCursor(cursor),
    );
    const page = rows.slice(0, limit);
    return { items: page.map(publicView), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** An edit of the title or body makes a new version and enriches it; the results replace the old ones. */
  private async update(ctx: IssuesContext) {
    const { id, ...edit } = parseParams(issueUpdateParams, ctx.params);
    const updated = await updateIssue(this.runtime.db, organizationOf(ctx), id, edit);
    if (!updated) throw notFound("Issue");
    if (!updated.textChanged) return publicView(updated.issue);
    return publicView(await this.enqueueEnrichment(ctx, updated.issue, `${id}:v${updated.issue.version}`));
  }

  /** Runs enrichment of the current version again (another enricher, or after a failure): 202. */
  private async enrich(ctx: IssuesContext) {
    const issue = await this.requireIssue(ctx);
    // No idempotency key: a re-run is asked for on purpose, even if a job for this version exists.
    const view = publicView(await this.enqueueEnrichment(ctx, issue));
    // A 202 points at its job, like POST /jobs does.
    respondWith(ctx, 202, view.enrichment.statusUrl ?? undefined);
    return view;
  }

  /** Enqueues enrichment of the issue's version and links the job; the issue as it is now. */
  private async enqueueEnrichment(ctx: IssuesContext, issue: IssueRow, idempotencyKey?: string): Promise<IssueRow> {
    const organizationId = organizationOf(ctx);
    const { job } = await enqueue(ctx, organizationId, enrichIssue, { issueId: issue.id, version: issue.version }, { idempotencyKey });
    await setEnrichmentJob(this.runtime.db, organizationId, issue.id, issue.version, job.id);
    return withJob(issue, job);
  }

  private async requireIssue(ctx: IssuesContext): Promise<IssueRow> {
    const { id } = parseParams(issueIdParams, ctx.params);
    const row = await findIssue(this.runtime.db, organizationOf(ctx), id);
    if (!row) throw notFound("Issue");
    return row;
  }
}
