import type { Channel, Options } from "amqplib";

/**
 * Conveyor's queue topology, owned by the code and declared idempotently on start:
 *
 *   <prefix>.<queue>                 lane 0 work queue (quorum): priorities 0–3, the default 0 included
 *   <prefix>.<queue>.lane<n>         lanes 1 and 2: priorities 4–6 and 7–10; workers start high lanes first
 *   <prefix>.<queue>.delay.<ms>      one delay queue per bucket, shared by the lanes
 *   <prefix>.<queue>.dead            dead-letter queue for messages the broker gave up on
 *
 *   exchange <prefix>.delay (topic)  routes `<queue>.<ms>.<lane>` into the bucket's delay queue
 *   exchange <prefix>.lanes (topic)  a delay queue's expired messages keep that routing key and land
 *                                    in their lane, so a delayed high-priority job returns high
 *
 * One delay queue per bucket means a short delay never waits behind a long one (TTL expiry only
 * happens at the head of a queue). Quorum queues have no message priorities, hence lanes (decision 28).
 */
export const RETRY_BUCKETS_MS = [
  100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000,
] as const;

/** The lowest priority of each lane, lane 0 first. */
export const LANE_FLOORS = [0, 4, 7] as const;

export interface TopologyOptions {
  prefix: string;
  queueType: "quorum" | "classic";
  deliveryLimit: number;
}

/** The lane a priority (0–10) travels in: the highest lane whose floor it reaches. */
export function laneFor(priority: number): number {
  let lane = 0;
  LANE_FLOORS.forEach((floor, index) => {
    if (priority >= floor) lane = index;
  });
  return lane;
}

export const laneQueueName = (prefix: string, queue: string, lane: number) =>
  lane === 0 ? `${prefix}.${queue}` : `${prefix}.${queue}.lane${lane}`;
/** Lane 0's work queue, the one every queue has had from the start. */
export const workQueueName = (prefix: string, queue: string) => laneQueueName(prefix, queue, 0);
export const laneQueueNames = (prefix: string, queue: string) =>
  LANE_FLOORS.map((_, lane) => laneQueueName(prefix, queue, lane));
export const deadQueueName = (prefix: string, queue: string) => `${prefix}.${queue}.dead`;
export const delayQueueName = (prefix: string, queue: string, bucketMs: number) =>
  `${prefix}.${queue}.delay.${bucketMs}`;
export const delayExchangeName = (prefix: string) => `${prefix}.delay`;
export const laneExchangeName = (prefix: string) => `${prefix}.lanes`;
/** Queue names have no dots (enqueue-request.ts), so they are one word of a topic routing key. */
export const delayRoutingKey = (queue: string, bucketMs: number, lane: number) => `${queue}.${bucketMs}.${lane}`;

/** Every RabbitMQ queue of one Conveyor queue, for tools that delete or inspect them. */
export function topologyQueueNames(prefix: string, queue: string): string[] {
  return [
    ...laneQueueNames(prefix, queue),
    deadQueueName(prefix, queue),
    ...RETRY_BUCKETS_MS.map((bucket) => delayQueueName(prefix, queue, bucket)),
  ];
}

/** The exchanges every queue of a prefix shares. */
export const topologyExchangeNames = (prefix: string) => [delayExchangeName(prefix), laneExchangeName(prefix)];

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
    if ("x-dead-letter-exchange" in extra) {
      // Quorum queues can dead-letter at-least-once (no loss if the target is briefly unavailable);
      // that mode needs reject-publish overflow.
      args["x-dead-letter-strategy"] = "at-least-once";
      args["x-overflow"] = "reject-publish";
    }
  }
  return { durable: true, arguments: args };
}

export async function declareQueueTopology(channel: Channel, options: TopologyOptions, queue: string): Promise<void> {
  const { prefix } = options;
  const dead = deadQueueName(prefix, queue);
  const lanes = laneExchangeName(prefix);
  const delays = delayExchangeName(prefix);
  await channel.assertExchange(lanes, "topic", { durable: true });
  await channel.assertExchange(delays, "topic", { durable: true });
  await channel.assertQueue(dead, queueArguments(options, {}));
  for (const [lane, name] of laneQueueNames(prefix, queue).entries()) {
    await channel.assertQueue(
      name,
      queueArguments(options, {
        "x-dead-letter-exchange": "",
        "x-dead-letter-routing-key": dead,
        ...(options.queueType === "quorum" ? { "x-delivery-limit": options.deliveryLimit } : {}),
      }),
    );
    await channel.bindQueue(name, lanes, `${queue}.*.${lane}`);
  }
  for (const bucket of RETRY_BUCKETS_MS) {
    const name = delayQueueName(prefix, queue, bucket);
    // No dead-letter routing key: an expired message keeps its own, which names its lane.
    await channel.assertQueue(name, queueArguments(options, { "x-message-ttl": bucket, "x-dead-letter-exchange": lanes }));
    await channel.bindQueue(name, delays, `${queue}.${bucket}.*`);
  }
}
