import { z } from "zod";

/**
 * What travels through RabbitMQ: only the job's identity, and whether it has a concurrency or
 * throttle key (so the worker claims it under the key's lock, and every other batch goes without).
 * Postgres holds everything else.
 */
export const jobMessageSchema = z.object({ id: z.string().uuid(), task: z.string(), keyed: z.literal(true).optional() });
export type JobMessage = z.infer<typeof jobMessageSchema>;

export const encodeJobMessage = (message: JobMessage) => Buffer.from(JSON.stringify(message));

/** Undefined for a message that is not a Conveyor job (it is dead-lettered by the consumer). */
export function decodeJobMessage(content: Buffer): JobMessage | undefined {
  try {
    const parsed = jobMessageSchema.safeParse(JSON.parse(content.toString("utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
