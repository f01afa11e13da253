import { findIssue } from "../shared/db/issues/find-issue";
import { toPublicIssue } from "../shared/db/issues/issue-record";
import { recordEnrichment } from "../shared/db/issues/record-enrichment";
import { enricherFromConfig } from "../shared/domains/enrichment/enricher-from-config";
import type { IssueCreated } from "../shared/domains/enrichment/issue-created";
import { ISSUE_CREATED } from "../shared/lib/event-names";
import { PermanentError } from "../shared/engine/tasks/task-errors";
import { runtimeFor } from "../shared/engine/runtime";
import { defineTask } from "../shared/engine/tasks/define-task";
import * as declared from "./task-declarations/enrichment";

/**
 * Fills one version of an issue's aiSummary and tags with the configured enricher. Transient failures
 * (network, timeouts, 429, 5xx, a lost database connection) are retried three times with exponential backoff; a missing issue or an
 * enricher's permanent error fails at once. A job for a version the issue has moved past does nothing:
 * the edit enqueued its own job, and only the current version's results are ever written.
 */
export const enrichIssue = defineTask({
  ...declared.enrichIssue,
  async run(ctx, { issueId, version }) {
    const { db, config } = await runtimeFor(ctx.broker);
    const issue = await findIssue(db, ctx.organizationId, issueId);
    if (!issue) throw new PermanentError(`Issue ${issueId} does not exist`);
    if (issue.version > version) return { issueId, version, status: "superseded", currentVersion: issue.version };
    if (issue.version < version) throw new PermanentError(`Issue ${issueId} has no version ${version} yet (it is at ${issue.version})`);

    const enricher = enricherFromConfig(config);
    await ctx.progress(10, "enriching", enricher.name);
    const { summary, tags } = await enricher.enrich({ title: issue.title, body: issue.body }, ctx.signal);
    const written = await recordEnrichment(db, ctx.organizationId, issueId, version, { summary, tags, enricher: enricher.name });
    // An edit that landed while the enricher worked has its own job; these results are for the old text.
    if (!written) return { issueId, version, status: "superseded" };
    return { issueId, version, status: "enriched", enricher: enricher.name, summary, tags };
  },
});

/**
 * Tells subscribers about a new issue with the Moleculer event `issue.created`. It is a job so that
 * the notification waits in RabbitMQ while no worker runs, instead of being lost.
 */
export const notifyIssueCreated = defineTask({
  ...declared.notifyIssueCreated,
  async run(ctx, { issueId }) {
    const { db } = await runtimeFor(ctx.broker);
    const issue = await findIssue(db, ctx.organizationId, issueId);
    if (!issue) throw new PermanentError(`Issue ${issueId} does not exist`);
    const event: IssueCreated = { organizationId: ctx.organizationId, issue: toPublicIssue(issue) };
    await ctx.broker.emit(ISSUE_CREATED, event);
    return { event: ISSUE_CREATED, issueId };
  },
});

export const enrichmentTasks = [enrichIssue, notifyIssueCreated];
