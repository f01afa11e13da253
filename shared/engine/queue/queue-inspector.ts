import type { AmqpClient } from "./amqp-client";
import { declareQueueTopology, deadQueueName, delayQueueName, laneQueueNames, RETRY_BUCKETS_MS, TopologyOptions } from "./topology";

export interface QueueDepth {
  queue: string;
  /** Messages ready in the work queue's lanes. */
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
        const { prefix } = this.topology;
        const lanes = [];
        for (const lane of laneQueueNames(prefix, queue)) lanes.push(await channel.checkQueue(lane));
        const dead = await channel.checkQueue(deadQueueName(prefix, queue));
        let delayed = 0;
        for (const bucket of RETRY_BUCKETS_MS) delayed += (await channel.checkQueue(delayQueueName(prefix, queue, bucket))).messageCount;
        const ready = lanes.reduce((sum, lane) => sum + lane.messageCount, 0);
        // Every worker consumes every lane; lane 0's count is the number of workers.
        result.push({ queue, ready, delayed, dead: dead.messageCount, consumers: lanes[0].consumerCount });
      }
      return result;
    } finally {
      await channel.close().catch(() => undefined);
    }
  }
}
