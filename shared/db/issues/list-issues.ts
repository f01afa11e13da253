import type { Knex } from "knex";
import { CreatedAtCursor, whereAfterCursor } from "../created-at-keyset";
import { pgArray } from "../pg-array";
import { ISSUE_COLUMNS, IssueRow, JOIN_ENRICHMENT_JOB } from "./issue-record";

export interface IssueFilter {
  /** Issues carrying every one of these AI tags. */
  tags?: string[];
  /** Issues carrying every one of these labels. */
  labels?: string[];
  /** true: the current version has its summary and tags; false: not yet (never, or edited since). */
  enriched?: boolean;
  /** Case-insensitive substring of the title. */
  q?: string;
}

/** `%`, `_` and `\` match themselves in the title search. */
const likeEscaped = (text: string) => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** Newest first, `limit` issues after the cursor. */
export async function listIssues(
  db: Knex,
  organizationId: string,
  filter: IssueFilter,
  limit: number,
  after?: CreatedAtCursor,
): Promise<IssueRow[]> {
  const query = db("issues")
    .joinRaw(JOIN_ENRICHMENT_JOB)
    .select(db.raw(ISSUE_COLUMNS))
    .where("issues.organization_id", organizationId);
  if (filter.tags?.length) query.whereRaw("issues.tags @> ?::text[]", [pgArray(filter.tags)]);
  if (filter.labels?.length) query.whereRaw("issues.labels @> ?::text[]", [pgArray(filter.labels)]);
  if (filter.enriched === true) query.whereRaw("issues.enriched_version = issues.version");
  if (filter.enriched === false) query.whereRaw("issues.enriched_version IS DISTINCT FROM issues.version");
  if (filter.q) query.whereRaw("issues.title ILIKE ?", [`%${likeEscaped(filter.q)}%`]);
  if (after) whereAfterCursor(query, "issues", organizationId, after);
  return query
    .orderBy([{ column: "issues.created_at", order: "desc" }, { column: "issues.id", order: "desc" }])
    .limit(limit);
}
