import type { AmqpClient } from "./amqp-client";
import { declareQueueTopology, deadQueueName, RETRY_BUCKETS_MS, retryQueueName, TopologyOptions, workQueueName } from "./topology";

export interface QueueDepth {
  queue: string;
  /** Messages ready in the work queue. */
  ready: number;
  /** Messages waiting in the delay queues (retries and delayed jobs). */
  delayed: number;
  /** Messages in the dead-letter queue not yet recorded by the dead-letter keeper. */
  dead: number;
  consumers: number;
}

/** Reads queue depths from RabbitMQ, for the dashboard and metrics. */
export class QueueInspector {
  constructor(
    private readonly client: AmqpClient,
    private readonly topology: TopologyOptions,
  ) {}

  async depths(queues: string[]): Promise<QueueDepth[]> {
    const connection = this.client.currentConnection;
    if (!connection) return [];
    const channel = await connection.createChannel();
    channel.on("error", () => undefined);
    try {
      const result: QueueDepth[] = [];
      for (const queue of queues) {
        // Declaring is idempotent and makes sure checkQueue finds the queues.
        await declareQueueTopology(channel, this.topology, queue);
        const work = await channel.checkQueue(workQueueName(this.topology.prefix, queue));
        const dead = await channel.checkQueue(deadQueueName(this.topology.prefix, queue));
        let delayed = 0;
        for (const bucket of RETRY_BUCKETS_MS) {
          delayed += (await channel.checkQueue(retryQueueName(this.topology.prefix, queue, bucket))).messageCount;
        }
        result.push({ queue, ready: work.messageCount, delayed, dead: dead.messageCount, consumers: work.consumerCount });
      }
      return result;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
