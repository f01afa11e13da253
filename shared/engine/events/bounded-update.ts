import type { JobUpdate } from "../../db/jobs/job-updates";

/**
 * Largest payload or result (as JSON) carried inside a job update sent over the transporter; a larger
 * one is left out and named in `omitted`, and whoever needs it reads the job (GET /api/v1/jobs/:id).
 */
export const INLINE_FIELD_BYTES = 16 * 1024;

/**
 * Budget of one broadcast message of job updates. RabbitMQ refuses messages over its
 * max_message_size (128 MiB by default, often set far lower); a job update stays within
 * INLINE_FIELD_BYTES per field, so batches this size are safe under any sensible limit.
 */
export const BROADCAST_BUDGET_BYTES = 256 * 1024;

export type OmittedField = "payload" | "result";

/** A job update as it travels between services: large payloads and results by reference. */
export type BoundedJobUpdate = JobUpdate & { omitted?: OmittedField[] };

const jsonBytes = (value: unknown) => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? "", "utf8"));

/** The update with its job's payload and result left out (null) when either is over INLINE_FIELD_BYTES. */
export function boundedUpdate(update: JobUpdate): BoundedJobUpdate {
  const omitted = (["payload", "result"] as const).filter((field) => jsonBytes(update.job[field]) > INLINE_FIELD_BYTES);
  if (omitted.length === 0) return update;
  const job = { ...update.job };
  for (const field of omitted) job[field] = null;
  return { ...update, job, omitted };
}

/**
 * Splits updates into batches of at most `budget` bytes of JSON each (an update larger than the
 * budget on its own travels alone), keeping their order.
 */
export function batchesWithin(updates: BoundedJobUpdate[], budget = BROADCAST_BUDGET_BYTES): BoundedJobUpdate[][] {
  const batches: BoundedJobUpdate[][] = [];
  let current: BoundedJobUpdate[] = [];
  let size = 0;
  for (const update of updates) {
    const bytes = jsonBytes(update) + 1;
    if (current.length > 0 && size + bytes > budget) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(update);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
