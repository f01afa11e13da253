import { randomUUID } from "node:crypto";
import { Context, ServiceBroker } from "moleculer";
import { enrichIssue, notifyIssueCreated } from "../../services/enrichment.tasks";
import { findIssue } from "../../shared/db/issues/find-issue";
import { insertIssue } from "../../shared/db/issues/insert-issue";
import { updateIssue } from "../../shared/db/issues/update-issue";
import type { Db } from "../../shared/db/knex";
import type { IssueCreated } from "../../shared/domains/enrichment/issue-created";
import { ISSUE_CREATED } from "../../shared/lib/event-names";
import { runTask } from "../../shared/testing/run-task";
import { ISSUE_SAMPLES } from "../support/issue-samples";
import { openTaskDatabase } from "../support/task-database";

describe("enrichment tasks, run eagerly against the run's database", () => {
  let db: Db;
  let organizationId: string;
  beforeAll(async () => {
    ({ db, organizationId } = await openTaskDatabase());
  });
  afterAll(() => db.destroy());

  const newIssue = () => insertIssue(db, organizationId, { ...ISSUE_SAMPLES[0], labels: ["bug"], author: "octocat" });
  const options = () => ({ runtime: { db }, organizationId });

  describe("enrichIssue", () => {
    it("enriches the current version with the offline enricher and writes summary and tags to the issue", async () => {
      const issue = await newIssue();
      const run = await runTask(enrichIssue, { issueId: issue.id, version: 1 }, options());
      expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { status: "enriched", enricher: "offline" } });
      expect(run.result?.summary).toContain("the old consumer's channel is never released");
      expect(run.result?.tags).toContain("memory-leak");
      expect(run.progress).toEqual([{ attempt: 1, percent: 10, step: "enriching", message: "offline" }]);

      const row = await findIssue(db, organizationId, issue.id);
      expect(row).toMatchObject({ ai_summary: run.result?.summary, tags: run.result?.tags, enricher: "offline", enriched_version: 1 });
    });

    it("does nothing for a version the issue has moved past, and leaves the issue unenriched", async () => {
      const issue = await newIssue();
      await updateIssue(db, organizationId, issue.id, { body: "Rewritten: the consumer leaks file descriptors." });
      const run = await runTask(enrichIssue, { issueId: issue.id, version: 1 }, options());
      expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { status: "superseded", currentVersion: 2 } });
      expect(await findIssue(db, organizationId, issue.id)).toMatchObject({ version: 2, ai_summary: null, enriched_version: null });
    });

    it("fails at once, without retrying, for a missing issue, another organization's issue or a version not there yet", async () => {
      const issue = await newIssue();
      const missing = await runTask(enrichIssue, { issueId: randomUUID(), version: 1 }, options());
      expect(missing).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError", retryable: false } });
      const elsewhere = await runTask(enrichIssue, { issueId: issue.id, version: 1 }, { ...options(), organizationId: randomUUID() });
      expect(elsewhere).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
      const ahead = await runTask(enrichIssue, { issueId: issue.id, version: 2 }, options());
      expect(ahead).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError", message: expect.stringContaining("no version 2") } });
      expect(await findIssue(db, organizationId, issue.id)).toMatchObject({ ai_summary: null });
    });
  });

  describe("notifyIssueCreated", () => {
    const heard: IssueCreated[] = [];
    const broker = new ServiceBroker({ logger: false, transporter: null, metrics: false });
    broker.createService({
      name: "issue-listener",
      events: {
        [ISSUE_CREATED](ctx: Context<IssueCreated>) {
          heard.push(ctx.params);
        },
      },
    });
    beforeAll(() => broker.start());
    afterAll(() => broker.stop());
    beforeEach(() => void heard.splice(0));

    it("emits issue.created with the issue, to the services of the task's broker", async () => {
      const issue = await newIssue();
      const run = await runTask(notifyIssueCreated, { issueId: issue.id }, { ...options(), broker });
      expect(run).toMatchObject({ status: "succeeded", attempts: 1, result: { event: ISSUE_CREATED, issueId: issue.id } });
      expect(heard).toHaveLength(1);
      expect(heard[0]).toMatchObject({ organizationId, issue: { id: issue.id, title: issue.title, labels: ["bug"], version: 1 } });
    });

    it("fails at once for a missing issue, and emits nothing", async () => {
      const run = await runTask(notifyIssueCreated, { issueId: randomUUID() }, { ...options(), broker });
      expect(run).toMatchObject({ status: "failed", attempts: 1, error: { type: "PermanentError" } });
      expect(heard).toEqual([]);
    });
  });
});
