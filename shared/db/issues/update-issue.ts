import type { Knex } from "knex";
import { pgArray } from "../pg-array";
import type { IssueRow } from "./issue-record";

export interface IssueEdit {
  title?: string;
  body?: string;
  labels?: string[];
}

/**
 * Applies an edit. The version goes up only when the title or body actually changes (what enrichment
 * reads); `textChanged` tells the caller to enrich the new version. Undefined when there is no such issue.
 */
export async function updateIssue(
  db: Knex,
  organizationId: string,
  id: string,
  edit: IssueEdit,
): Promise<{ issue: IssueRow; textChanged: boolean } | undefined> {
  const { rows } = await db.raw<{ rows: (IssueRow & { previous_version: number })[] }>(
    `WITH edit AS (SELECT ?::text AS title, ?::text AS body, ?::text[] AS labels),
          previous AS (SELECT id, version FROM issues WHERE id = ? AND organization_id = ? FOR UPDATE)
     UPDATE issues
     SET title = COALESCE(edit.title, issues.title),
         body = COALESCE(edit.body, issues.body),
         labels = COALESCE(edit.labels, issues.labels),
         version = issues.version + CASE WHEN COALESCE(edit.title, issues.title) IS DISTINCT FROM issues.title
                                        OR COALESCE(edit.body, issues.body) IS DISTINCT FROM issues.body THEN 1 ELSE 0 END,
         updated_at = now()
     FROM edit, previous
     WHERE issues.id = previous.id
     RETURNING issues.*, previous.version AS previous_version,
               (SELECT status FROM jobs WHERE jobs.id = issues.enrichment_job_id) AS enrichment_status`,
    [edit.title ?? null, edit.body ?? null, edit.labels === undefined ? null : pgArray(edit.labels), id, organizationId],
  );
  const row = rows[0];
  if (!row) return undefined;
  const { previous_version: previousVersion, ...issue } = row;
  return { issue, textChanged: issue.version !== previousVersion };
}
