import type { Channel, Options } from "amqplib";

/**
 * Conveyor's queue topology, owned by the code and declared idempotently on start:
 *
 *   <prefix>.<queue>                 work queue (quorum), delivery limit → <prefix>.<queue>.dead
 *   <prefix>.<queue>.retry.<ms>      one delay queue per bucket; TTL then dead-letters back to the work queue
 *   <prefix>.<queue>.dead            dead-letter queue for messages the broker gave up on
 *
 * One delay queue per bucket means a short delay never waits behind a long one (TTL expiry only
 * happens at the head of a queue).
 */
export const RETRY_BUCKETS_MS = [
  100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

export interface TopologyOptions {
  prefix: string;
  queueType: "quorum" | "classic";
  deliveryLimit: number;
}

export const workQueueName = (prefix: string, queue: string) => `${prefix}.${queue}`;
export const deadQueueName = (prefix: string, queue: string) => `${prefix}.${queue}.dead`;
export const retryQueueName = (prefix: string, queue: string, bucketMs: number) =>
  `${prefix}.${queue}.retry.${bucketMs}`;

/**
 * The delay bucket for a wait: the longest bucket that does not overshoot it, so a job is never
 * late by more than the smallest bucket; a message that arrives early is simply delayed again.
 */
export function retryBucketFor(delayMs: number): number {
  let chosen: number = RETRY_BUCKETS_MS[0];
  for (const bucket of RETRY_BUCKETS_MS) if (bucket <= delayMs) chosen = bucket;
  return chosen;
}

function queueArguments(options: TopologyOptions, extra: Record<string, unknown>): Options.AssertQueue {
  const args: Record<string, unknown> = { ...extra };
  if (options.queueType === "quorum") {
    args["x-queue-type"] = "quorum";
    if ("x-dead-letter-routing-key" in extra) {
      // Quorum queues can dead-letter at-least-once (no loss if the target is briefly unavailable);
      // that mode needs reject-publish overflow.
      args["x-dead-letter-strategy"] = "at-least-once";
      args["x-overflow"] = "reject-publish";
    }
  }
  return { durable: true, arguments: args };
}

export async function declareQueueTopology(channel: Channel, options: TopologyOptions, queue: string): Promise<void> {
  const work = workQueueName(options.prefix, queue);
  const dead = deadQueueName(options.prefix, queue);
  await channel.assertQueue(dead, queueArguments(options, {}));
  await channel.assertQueue(
    work,
    queueArguments(options, {
      "x-dead-letter-exchange": "",
      "x-dead-letter-routing-key": dead,
      ...(options.queueType === "quorum" ? { "x-delivery-limit": options.deliveryLimit } : {}),
    }),
  );
  for (const bucket of RETRY_BUCKETS_MS) {
    await channel.assertQueue(
      retryQueueName(options.prefix, queue, bucket),
      queueArguments(options, {
        "x-message-ttl": bucket,
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": work,
      }),
    );
  }
}
