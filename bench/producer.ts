import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { ServiceBroker, ServiceSchema } from "moleculer";
import AuthService from "../services/auth.service";
import GatewayService from "../services/gateway.service";
import JobsService from "../services/jobs.service";
import { metricsOptions } from "../shared/engine/metrics";
import { conveyorMiddlewareOptions } from "../shared/engine/worker/broker-middlewares";

/** The producer side, in the benchmark's process: gateway, auth and jobs on one broker. */
export interface Producer {
  broker: ServiceBroker;
  /** http://127.0.0.1:<port> of the gateway. */
  baseUrl: string;
  stop(): Promise<void>;
}

/**
 * Starts gateway + auth + jobs like test/support/stack.ts does: no transporter (the actions are
 * local calls; jobs reach the worker through RabbitMQ job queues, not through Moleculer), the tasks
 * middleware (it owns the node's Postgres pool and AMQP connection), metrics on as in production.
 * Reads its configuration (DATABASE_URL, QUEUE_PREFIX, PORT, ...) from process.env, so set that first.
 */
export async function startProducer(): Promise<Producer> {
  const broker = new ServiceBroker({
    namespace: process.env.QUEUE_PREFIX,
    nodeID: `bench-producer-${process.pid}`,
    transporter: null,
    logger: { type: "Console", options: { level: process.env.LOG_LEVEL ?? "warn" } },
    ...conveyorMiddlewareOptions(),
    metrics: metricsOptions(true, 0),
    skipProcessEventRegistration: true,
  });
  for (const schema of [GatewayService, AuthService, JobsService]) broker.createService(schema as unknown as ServiceSchema);
  await broker.start();
  const gateway = broker.getLocalService("gateway") as unknown as { server?: Server } | undefined;
  const address = gateway?.server?.address() as AddressInfo | null | undefined;
  if (!address) throw new Error("the gateway did not open its HTTP port");
  return { broker, baseUrl: `http://127.0.0.1:${address.port}`, stop: () => broker.stop() };
}
