import type { Channel, ChannelModel, ConsumeMessage } from "amqplib";
import { AckCoalescer } from "./ack-coalescer";
import type { AmqpClient, Logger } from "./amqp-client";
import { declareQueueTopology, laneQueueNames, TopologyOptions } from "./topology";

/** Which of a queue's RabbitMQ queues to consume: its lanes (workers) or its dead-letter queue. */
export type QueueRole = (prefix: string, queue: string) => string[];

/**
 * One delivered message and the ways to settle it. A delivery is settled once: the first of ack,
 * requeue or deadLetter counts and later calls are no-ops (settling a message twice would close the
 * channel with 406 and hand back every other unsettled message). Settling after the channel died is
 * a no-op too: the broker has already put the message back for redelivery.
 */
export interface Delivery {
  queue: string;
  message: ConsumeMessage;
  ack(): void;
  /** Hands the message back to the broker, which counts it towards the queue's delivery limit. */
  requeue(): void;
  /** Sends the message straight to the queue's dead-letter queue. */
  deadLetter(): void;
}

export type DeliveryHandler = (delivery: Delivery) => void;

const CHANNEL_REOPEN_DELAY_MS = 1_000;

/**
 * Consumes a set of queues, re-subscribing after every reconnect. Each RabbitMQ queue of the role
 * (each lane) has its own consumer and prefetch, so a full low lane never keeps a high one waiting
 * in the broker.
 */
export class JobConsumer {
  /** Open channels, with the consumer tags and the ack coalescer of each. */
  private readonly channels = new Map<Channel, { consumerTags: string[]; acks: AckCoalescer }>();
  private readonly hook = (connection: ChannelModel) => this.subscribe(connection);
  private stopped = false;

  constructor(
    private readonly client: AmqpClient,
    private readonly topology: TopologyOptions,
    private readonly queues: string[],
    private readonly prefetch: number,
    private readonly handler: DeliveryHandler,
    private readonly logger: Logger,
    private readonly role: QueueRole = laneQueueNames,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    await this.client.onConnect(this.hook);
  }

  /** Stops taking new messages; unsettled ones stay with this consumer until settled or the channel closes. */
  async cancel(): Promise<void> {
    this.stopped = true;
    this.client.removeHook(this.hook);
    for (const [channel, { consumerTags }] of this.channels) {
      for (const tag of consumerTags) await channel.cancel(tag).catch(() => undefined);
    }
  }

  /** Closes the channels: every unsettled message goes back to its queue. */
  async close(): Promise<void> {
    await this.cancel();
    for (const [channel, { acks }] of this.channels) {
      acks.flush(); // acks of this turn, before the close hands back what is left
      await channel.close().catch(() => undefined);
    }
    this.channels.clear();
  }

  private async subscribe(connection: ChannelModel): Promise<void> {
    if (this.stopped) return;
    for (const queue of this.queues) await this.consumeQueue(connection, queue);
  }

  /**
   * One channel per queue, shared by its lanes (their delivery tags are one sequence, which the ack
   * coalescer needs). A channel can close while its connection lives on (RabbitMQ's
   * consumer_timeout, a precondition error): it is reopened on the same connection after a pause;
   * a closed connection is the AMQP client's to restore, and it calls `subscribe` again.
   */
  private async consumeQueue(connection: ChannelModel, queue: string): Promise<void> {
    const channel = await connection.createChannel();
    channel.on("error", (error: Error) => this.logger.warn(`Channel for ${queue} failed: ${error.message}`));
    let open = true;
    const acks = new AckCoalescer(channel);
    channel.on("close", () => {
      open = false;
      acks.clear();
      this.channels.delete(channel);
      if (this.stopped || this.client.currentConnection !== connection) return;
      setTimeout(() => {
        if (this.stopped || this.client.currentConnection !== connection) return;
        this.consumeQueue(connection, queue).catch((error: Error) =>
          this.logger.warn(`Could not reopen the channel for ${queue}: ${error.message}`),
        );
      }, CHANNEL_REOPEN_DELAY_MS);
    });
    await declareQueueTopology(channel, this.topology, queue);
    await channel.prefetch(this.prefetch); // per consumer: each lane gets the whole window
    const onMessage = (message: ConsumeMessage | null) => {
      if (!message) return; // consumer cancelled by the broker (queue deleted): the channel closes and reopens
      let settled = false;
      const settleOnce = (action: () => void) => () => {
        if (settled || !open) return;
        settled = true;
        action();
      };
      const nack = (requeue: boolean) => {
        acks.flush();
        acks.forget(message);
        channel.nack(message, false, requeue);
      };
      acks.track(message);
      this.handler({
        queue,
        message,
        ack: settleOnce(() => acks.ack(message)),
        requeue: settleOnce(() => nack(true)),
        deadLetter: settleOnce(() => nack(false)),
      });
    };
    const consumerTags: string[] = [];
    for (const source of this.role(this.topology.prefix, queue)) {
      consumerTags.push((await channel.consume(source, onMessage)).consumerTag);
    }
    this.channels.set(channel, { consumerTags, acks });
  }
}
