import amqp from "amqplib";
import { topologyExchangeNames, topologyQueueNames } from "../shared/engine/queue/topology";
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
    for (const name of topologyQueueNames(prefix, queue)) await channel.deleteQueue(name);
  }
  for (const name of topologyExchangeNames(prefix)) await channel.deleteExchange(name);
  await connection.close();
}
