import type { Knex } from "knex";
import { ISSUE_COLUMNS, IssueRow, JOIN_ENRICHMENT_JOB } from "./issue-record";

/** One issue of the organization, with its enrichment job's status. */
export async function findIssue(db: Knex, organizationId: string, id: string): Promise<IssueRow | undefined> {
  const { rows } = await db.raw<{ rows: IssueRow[] }>(
    `SELECT ${ISSUE_COLUMNS} FROM issues ${JOIN_ENRICHMENT_JOB} WHERE issues.id = ? AND issues.organization_id = ?`,
    [id, organizationId],
  );
  return rows[0];
}
