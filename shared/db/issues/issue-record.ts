import type { JobStatus } from "../jobs/job-record";

/** An issue's row, with its latest enrichment job's status (null when it has none, or it was pruned). */
export interface IssueRow {
  id: string;
  organization_id: string;
  title: string;
  body: string;
  labels: string[];
  author: string | null;
  version: number;
  ai_summary: string | null;
  tags: string[];
  enriched_version: number | null;
  enricher: string | null;
  enriched_at: Date | null;
  enrichment_job_id: string | null;
  enrichment_status: JobStatus | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns every read selects: the issue and the status of its latest enrichment job. */
export const ISSUE_COLUMNS = "issues.*, jobs.status AS enrichment_status";
export const JOIN_ENRICHMENT_JOB = "LEFT JOIN jobs ON jobs.id = issues.enrichment_job_id";

export interface PublicIssue {
  id: string;
  title: string;
  body: string;
  labels: string[];
  author: string | null;
  /** Counts edits of title and body; enrichment runs per version. */
  version: number;
  aiSummary: string | null;
  tags: string[];
  enrichment: {
    /** The latest enrichment job's status (queued, running, retrying, succeeded, failed, …). */
    status: JobStatus | null;
    jobId: string | null;
    /** Which enricher wrote aiSummary and tags, for which version, and when. */
    enricher: string | null;
    enrichedVersion: number | null;
    enrichedAt: string | null;
  };
  createdAt: string;
  updatedAt: string;
}

export function toPublicIssue(row: IssueRow): PublicIssue {
  return {
    id: row.id,
    title: row.title,
    body: row.body,
    labels: row.labels,
    author: row.author,
    version: row.version,
    aiSummary: row.ai_summary,
    tags: row.tags,
    enrichment: {
      status: row.enrichment_status,
      jobId: row.enrichment_job_id,
      enricher: row.enricher,
      enrichedVersion: row.enriched_version,
      enrichedAt: row.enriched_at ? row.enriched_at.toISOString() : null,
    },
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
