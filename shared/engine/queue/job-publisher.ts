import type { ConfirmChannel, ChannelModel } from "amqplib";
import type { AmqpClient } from "./amqp-client";
import { encodeJobMessage, JobMessageFields } from "./job-message";
import {
  declareQueueTopology,
  delayExchangeName,
  delayRoutingKey,
  laneFor,
  laneQueueName,
  retryBucketFor,
  TopologyOptions,
} from "./topology";

export class NotConnectedError extends Error {
  constructor() {
    super("not connected to RabbitMQ");
  }
}

export interface OutgoingJob extends JobMessageFields {
  queue: string;
  /** Milliseconds to wait before the job is delivered; 0 or absent delivers now. */
  delayMs?: number;
}

/**
 * Publishes job messages on a confirm channel: a burst is written out and then confirmed as a whole,
 * so a batch costs one round trip. A publish while disconnected fails at once (the job row stays
 * unpublished and the sweeper sends it later) rather than buffering in memory.
 */
export class JobPublisher {
  private channel: ConfirmChannel | undefined;
  private readonly declared = new Set<string>();

  constructor(
    private readonly client: AmqpClient,
    private readonly topology: TopologyOptions,
  ) {}

  async start(): Promise<void> {
    await this.client.onConnect((connection) => this.openChannel(connection));
  }

  /** Declares a queue's topology (once per connection). */
  async ensureQueue(queue: string): Promise<void> {
    const channel = this.requireChannel();
    if (this.declared.has(queue)) return;
    await declareQueueTopology(channel, this.topology, queue);
    this.declared.add(queue);
  }

  async publish(jobs: OutgoingJob[]): Promise<void> {
    if (jobs.length === 0) return;
    for (const queue of new Set(jobs.map((job) => job.queue))) await this.ensureQueue(queue);
    const channel = this.requireChannel();
    for (const job of jobs) {
      const delay = job.delayMs ?? 0;
      const lane = laneFor(job.priority ?? 0);
      const [exchange, routingKey] =
        delay > 0
          ? [delayExchangeName(this.topology.prefix), delayRoutingKey(job.queue, retryBucketFor(delay), lane)]
          : ["", laneQueueName(this.topology.prefix, job.queue, lane)];
      const accepted = channel.publish(exchange, routingKey, encodeJobMessage(job), {
        persistent: true,
        contentType: "application/json",
        messageId: job.id,
      });
      if (!accepted) await new Promise((resolve) => channel.once("drain", resolve));
    }
    await channel.waitForConfirms();
  }

  private requireChannel(): ConfirmChannel {
    if (!this.channel) throw new NotConnectedError();
    return this.channel;
  }

  private async openChannel(connection: ChannelModel): Promise<void> {
    const channel = await connection.createConfirmChannel();
    channel.on("error", () => undefined); // the connection's close handler reconnects
    channel.on("close", () => {
      if (this.channel === channel) {
        this.channel = undefined;
        this.declared.clear();
      }
    });
    this.declared.clear();
    this.channel = channel;
  }
}
