import type { DocumentContentType } from "../../domains/documents/document-types";
import type { JobStatus } from "../jobs/job-record";

export const DOCUMENT_STATUSES = ["queued", "processing", "ready", "failed", "cancelled"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** A document's row, with its processing job's status (null when the job was pruned). */
export interface DocumentRow {
  id: string;
  organization_id: string;
  filename: string;
  content_type: DocumentContentType;
  size_bytes: string; // bigint arrives as a string
  stored_path: string;
  chunk_size: number;
  overlap: number;
  status: DocumentStatus;
  error: string | null;
  chunk_count: number;
  embedder: string | null;
  job_id: string | null;
  job_status: JobStatus | null;
  created_at: Date;
  updated_at: Date;
}

/** The columns every read selects: the document and the status of its processing job. */
export const DOCUMENT_COLUMNS = "documents.*, jobs.status AS job_status";
export const JOIN_PROCESSING_JOB = "LEFT JOIN jobs ON jobs.id = documents.job_id";

export interface PublicDocument {
  id: string;
  filename: string;
  contentType: DocumentContentType;
  sizeBytes: number;
  chunkSize: number;
  overlap: number;
  /** queued → processing → ready, or failed / cancelled. */
  status: DocumentStatus;
  error: string | null;
  chunkCount: number;
  /** What produced the chunks' vectors; search compares only vectors of the same embedder. */
  embedder: string | null;
  job: { id: string; status: JobStatus | null; statusUrl: string } | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The document's own status, unless its job ended without an attempt that could record it: a job
 * cancelled while still queued, or dead-lettered after its workers kept dying, never ran to the end.
 */
export function documentStatusOf(row: Pick<DocumentRow, "status" | "job_status">): DocumentStatus {
  const unfinished = row.status === "queued" || row.status === "processing";
  if (unfinished && (row.job_status === "cancelled" || row.job_status === "failed")) return row.job_status;
  return row.status;
}

export function toPublicDocument(row: DocumentRow, statusUrlOf: (jobId: string) => string): PublicDocument {
  return {
    id: row.id,
    filename: row.filename,
    contentType: row.content_type,
    sizeBytes: Number(row.size_bytes),
    chunkSize: row.chunk_size,
    overlap: row.overlap,
    status: documentStatusOf(row),
    error: row.error,
    chunkCount: row.chunk_count,
    embedder: row.embedder,
    job: row.job_id ? { id: row.job_id, status: row.job_status, statusUrl: statusUrlOf(row.job_id) } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
