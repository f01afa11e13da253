import type { Knex } from "knex";
import { pgArray } from "../pg-array";
import type { IssueRow } from "./issue-record";

export interface NewIssue {
  title: string;
  body: string;
  labels: string[];
  author: string | null;
}

/** Creates an issue at version 1, not enriched yet. */
export async function insertIssue(db: Knex, organizationId: string, issue: NewIssue): Promise<IssueRow> {
  const { rows } = await db.raw<{ rows: IssueRow[] }>(
    `INSERT INTO issues (organization_id, title, body, labels, author)
     VALUES (?, ?, ?, ?::text[], ?)
     RETURNING *, NULL::text AS enrichment_status`,
    [organizationId, issue.title, issue.body, pgArray(issue.labels), issue.author],
  );
  return rows[0];
}
