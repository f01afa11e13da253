import type { BrokerOptions } from "moleculer";
import { config } from "./config";
import { metricsOptions } from "./shared/engine/metrics";
import { conveyorMiddlewareOptions } from "./shared/engine/worker/broker-middlewares";

const settings = config();
const transporterUrl = settings.TRANSPORTER ?? settings.AMQP_URL;

/**
 * Broker options for every Conveyor process. Service-to-service calls and events travel over
 * TRANSPORTER (RabbitMQ at AMQP_URL by default; a nats:// URL is accepted). Jobs travel through
 * Conveyor's own queues on AMQP_URL whatever the transporter is.
 */
const brokerConfig: BrokerOptions = {
  namespace: settings.QUEUE_PREFIX,
  nodeID: settings.NODE_ID,
  // The AMQP transporter takes one message at a time per node unless told otherwise, which would
  // serialise every call between nodes (gateway → jobs); NATS has no such limit.
  transporter: transporterUrl.startsWith("nats")
    ? transporterUrl
    : { type: "AMQP", options: { url: transporterUrl, prefetch: 256 } },
  logger: {
    type: "Console",
    options: { level: settings.LOG_LEVEL, formatter: settings.LOG_FORMAT === "json" ? "json" : "short" },
  },
  requestTimeout: 30_000,
  retryPolicy: { enabled: false },
  metrics: metricsOptions(settings.METRICS_ENABLED, settings.METRICS_PORT),
  ...conveyorMiddlewareOptions(),
};

export default brokerConfig;
