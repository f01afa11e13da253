import { topologyExchangeNames, topologyQueueNames } from "../shared/engine/queue/topology";
import { taskCatalog } from "../services/task-catalog";
import { deleteExchanges, deleteQueues, transporterNames } from "./rabbitmq";
import { WorkerProcess } from "./worker-process";

export interface ApiNodeOptions {
  /** SERVICES of the node, e.g. "gateway,auth,jobs,ingestion". */
  services: string;
  databaseUrl: string;
  /** The run's QUEUE_PREFIX (and Moleculer namespace). */
  prefix: string;
  nodeId: string;
  port: number;
  /** More environment for the node (UPLOAD_DIR, …). */
  env?: Record<string, string>;
}

/** A node with the API and workers in a child process, answering /ready. */
export async function startApiNode(options: ApiNodeOptions, timeoutMs = 60_000): Promise<WorkerProcess> {
  const node = new WorkerProcess({
    SERVICES: options.services,
    DATABASE_URL: options.databaseUrl,
    QUEUE_PREFIX: options.prefix,
    PORT: String(options.port),
    METRICS_PORT: "0",
    LOG_LEVEL: "warn",
    NODE_ID: options.nodeId,
    // The bench drives one API key far past a tenant's default request rate.
    RATE_LIMIT_PER_MINUTE: "0",
    ...options.env,
  });
  const deadline = Date.now() + timeoutMs;
  while ((await fetch(`http://127.0.0.1:${options.port}/ready`).catch(() => undefined))?.ok !== true) {
    if (node.exited || Date.now() > deadline) {
      await node.stop();
      throw new Error(`The node did not become ready:\n${node.outputTail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return node;
}

/** Stops the node and deletes what the run left in RabbitMQ: every catalog queue's topology and the transporter's. */
export async function stopApiNode(node: WorkerProcess, amqpUrl: string, prefix: string, nodeId: string): Promise<void> {
  await node.stop();
  const transporter = transporterNames(prefix, [nodeId]);
  const jobQueues = [...new Set([...taskCatalog.values()].map((task) => task.queue))].flatMap((queue) => topologyQueueNames(prefix, queue));
  await deleteQueues(amqpUrl, [...jobQueues, ...transporter.queues]).catch(() => 0);
  await deleteExchanges(amqpUrl, [...transporter.exchanges, ...topologyExchangeNames(prefix)]).catch(() => undefined);
}
