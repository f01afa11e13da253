import amqp from "amqplib";
import { RETRY_BUCKETS_MS, deadQueueName, retryQueueName, workQueueName } from "../shared/engine/queue/topology";
import { dropRunDatabase } from "./support/test-database";
import { TEST_QUEUES } from "./support/test-queues";

/** Deletes this run's queues and database, so test runs do not pile up quorum queues or databases. */
export default async function globalTeardown(): Promise<void> {
  if (process.env.DATABASE_URL) await dropRunDatabase(process.env.DATABASE_URL);
  const prefix = process.env.QUEUE_PREFIX;
  if (!prefix?.startsWith("conveyor_test_")) return;
  const connection = await amqp.connect(process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
  const channel = await connection.createChannel();
  for (const queue of TEST_QUEUES) {
    const names = [workQueueName(prefix, queue), deadQueueName(prefix, queue)];
    for (const bucket of RETRY_BUCKETS_MS) names.push(retryQueueName(prefix, queue, bucket));
    for (const name of names) await channel.deleteQueue(name);
  }
  await connection.close();
}
