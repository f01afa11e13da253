import type { PublicIssue } from "../../db/issues/issue-record";

/**
 * Emitted (balanced: each subscribing service gets it once, whatever its replica count) by the
 * `ai.notify_issue_created` job for every new issue. At least once: a subscriber that must not act
 * twice remembers `issue.id`.
 */
export const ISSUE_CREATED = "issue.created";

export interface IssueCreated {
  organizationId: string;
  issue: PublicIssue;
}
