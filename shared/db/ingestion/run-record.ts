/** Where a run stands in its source (a page, a cursor, rows read): written with each committed batch. */
export type Checkpoint = Record<string, unknown>;

import type { JobStatus } from "../jobs/job-record";

export const RUN_STATUSES = ["running", "success", "failed"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/** An ingestion run's row (bigint counts arrive as strings), with its job's status. */
export interface IngestionRunRow {
  id: string;
  organization_id: string;
  provider: string;
  source: string;
  filters: Record<string, unknown>;
  options: Record<string, unknown>;
  status: RunStatus;
  records_read: string;
  records_written: string;
  records_skipped: string;
  records_failed: string;
  total: string | null;
  batches: number;
  checkpoint: Checkpoint | null;
  error: string | null;
  job_id: string | null;
  job_status: JobStatus | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns every read selects: the run and its job's status. */
export const RUN_COLUMNS = "ingestion_runs.*, jobs.status AS job_status";
export const JOIN_RUN_JOB = "LEFT JOIN jobs ON jobs.id = ingestion_runs.job_id";

export interface RunCounts {
  read: number;
  written: number;
  skipped: number;
  failed: number;
}

export const countsOf = (row: IngestionRunRow): RunCounts => ({
  read: Number(row.records_read),
  written: Number(row.records_written),
  skipped: Number(row.records_skipped),
  failed: Number(row.records_failed),
});

export interface PublicRun {
  id: string;
  provider: string;
  source: string;
  filters: Record<string, unknown>;
  options: Record<string, unknown>;
  /** running, success or failed; a run whose job failed or was cancelled before it could say so is failed. */
  status: RunStatus;
  /** read = written + skipped (filtered out) + failed (unparsable, or without an id). */
  records: RunCounts;
  /** Records the source holds, when it says. */
  total: number | null;
  checkpoint: Checkpoint | null;
  error: string | null;
  jobId: string | null;
  jobStatus: JobStatus | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * Request headers are often credentials (an `Authorization` token): the API shows which headers a run
 * sends, not their values. The worker reads them from the row.
 */
export function redactedOptions(options: Record<string, unknown>): Record<string, unknown> {
  const headers = options.headers;
  if (typeof headers !== "object" || headers === null) return options;
  return { ...options, headers: Object.fromEntries(Object.keys(headers).map((name) => [name, "[redacted]"])) };
}

export function toPublicRun(row: IngestionRunRow): PublicRun {
  const jobGaveUp = row.job_status === "failed" || row.job_status === "cancelled";
  return {
    id: row.id,
    provider: row.provider,
    source: row.source,
    filters: row.filters,
    options: redactedOptions(row.options),
    status: row.status === "running" && jobGaveUp ? "failed" : row.status,
    records: countsOf(row),
    total: row.total === null ? null : Number(row.total),
    checkpoint: row.checkpoint,
    error: row.error ?? (row.status === "running" && jobGaveUp ? `the job was ${row.job_status}` : null),
    jobId: row.job_id,
    jobStatus: row.job_status,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
