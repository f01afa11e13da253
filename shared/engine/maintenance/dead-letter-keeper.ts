import type { Knex } from "knex";
import type { LoggerInstance } from "moleculer";
import { failDeadLettered } from "../../db/jobs/fail-dead-lettered";
import { untilDatabaseAnswers } from "../retries/database-outage";
import type { AmqpClient } from "../queue/amqp-client";
import { Delivery, JobConsumer } from "../queue/job-consumer";
import { decodeJobMessage } from "../queue/job-message";
import { deadQueueName, TopologyOptions } from "../queue/topology";
import { SerialBatcher } from "../../lib/serial-batcher";
import type { MaintenanceService } from "./maintenance-service";

/**
 * Drains each queue's dead-letter queue into Postgres. RabbitMQ dead-letters a message when it was
 * delivered more often than the queue's delivery limit (it kept killing its worker before an outcome
 * could be recorded); the keeper marks that job failed, so it shows in the dead-letter list and can be
 * replayed like any other failed job. Postgres stays the one place that says what happened.
 */
export class DeadLetterKeeper implements MaintenanceService {
  readonly name = "dead-letter keeper";
  private readonly consumer: JobConsumer;
  private readonly batcher: SerialBatcher<Delivery>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly db: Knex,
    amqp: AmqpClient,
    topology: TopologyOptions,
    queues: string[],
    private readonly logger: LoggerInstance,
  ) {
    this.batcher = new SerialBatcher<Delivery>((batch) => this.record(batch), 500, 0, (error, batch) => {
      logger.error(`Recording ${batch.length} dead-lettered messages failed; requeueing`, error);
      batch.forEach((delivery) => delivery.requeue());
    });
    this.consumer = new JobConsumer(amqp, topology, queues, 100, (delivery) => this.batcher.add(delivery), logger, (prefix, queue) => [deadQueueName(prefix, queue)]);
  }

  async start(): Promise<void> {
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    // A batch waiting for an unreachable database stops waiting; its messages stay in the DLQ.
    this.stopping.abort();
    await this.consumer.cancel();
    await this.batcher.drain();
    await this.consumer.close();
  }

  private async record(batch: Delivery[]): Promise<void> {
    const ids = batch
      .map((delivery) => decodeJobMessage(delivery.message.content)?.id)
      .filter((id): id is string => id !== undefined);
    if (ids.length > 0) {
      // Wait out an outage rather than hand the messages back: the DLQ is where they must stay.
      const recorded = await untilDatabaseAnswers(
        async () => {
          const failed = await failDeadLettered(this.db, ids);
          if (failed > 0) this.logger.warn(`${failed} jobs failed: RabbitMQ dead-lettered their messages`);
        },
        { signal: this.stopping.signal, onOutage: (error) => this.logger.warn(`Dead-letter keeper waits for Postgres: ${error.message}`) },
      );
      if (!recorded) return;
    }
    // Messages that are not Conveyor jobs have nothing to record and are dropped too.
    batch.forEach((delivery) => delivery.ack());
  }
}
