/**
 * What travels through RabbitMQ: only the job's identity, whether it has a concurrency or throttle
 * key (so the worker claims it under the key's lock, and every other batch goes without), and its
 * priority when not 0 (so a worker starts what it holds high-first, and a delay returns it to its
 * lane). Postgres holds everything else.
 */
export interface JobMessage {
  id: string;
  task: string;
  keyed?: true;
  priority?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

/**
 * Undefined for a message that is not a Conveyor job (it is dead-lettered by the consumer). Checked
 * by hand rather than with a zod schema: it runs for every delivery.
 */
export function decodeJobMessage(content: Buffer): JobMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(content.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const { id, task, keyed, priority } = value as Record<string, unknown>;
  if (typeof id !== "string" || !UUID.test(id) || typeof task !== "string") return undefined;
  if (keyed !== undefined && keyed !== true) return undefined;
  if (priority !== undefined && !(typeof priority === "number" && Number.isInteger(priority) && priority >= 1 && priority <= 10)) return undefined;
  return { id, task, ...(keyed ? { keyed } : {}), ...(priority !== undefined ? { priority } : {}) };
}
