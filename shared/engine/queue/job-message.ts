import { z } from "zod";

/**
 * What travels through RabbitMQ: only the job's identity, whether it has a concurrency or throttle
 * key (so the worker claims it under the key's lock, and every other batch goes without), and its
 * priority when not 0 (so a worker starts what it holds high-first, and a delay returns it to its
 * lane). Postgres holds everything else.
 */
export const jobMessageSchema = z.object({
  id: z.string().uuid(),
  task: z.string(),
  keyed: z.literal(true).optional(),
  priority: z.number().int().min(1).max(10).optional(),
});
export type JobMessage = z.infer<typeof jobMessageSchema>;

/** What a message is made from; a `keyed: false` or a priority of 0 is left out of it. */
export interface JobMessageFields {
  id: string;
  task: string;
  /** The job has a concurrency or throttle key. */
  keyed?: boolean;
  /** 0–10; picks the lane, and orders what a worker holds. */
  priority?: number;
}

/** The message for a job, with the optional fields left out when they say nothing. */
export function encodeJobMessage(job: JobMessageFields): Buffer {
  const message: JobMessage = {
    id: job.id,
    task: job.task,
    ...(job.keyed ? { keyed: true } : {}),
    ...(job.priority ? { priority: job.priority } : {}),
  };
  return Buffer.from(JSON.stringify(message));
}

/** Undefined for a message that is not a Conveyor job (it is dead-lettered by the consumer). */
export function decodeJobMessage(content: Buffer): JobMessage | undefined {
  try {
    const parsed = jobMessageSchema.safeParse(JSON.parse(content.toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
