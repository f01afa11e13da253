import type { PublicIssue } from "../../db/issues/issue-record";

/** The payload of the ISSUE_CREATED event (shared/lib/event-names.ts). */
export interface IssueCreated {
  organizationId: string;
  issue: PublicIssue;
}
