import type { ServiceBroker } from "moleculer";
import { METRIC } from "../metrics";
import type { QueueInspector } from "../queue/queue-inspector";
import { PeriodicChore } from "./periodic-chore";

const QUEUE_GAUGES_INTERVAL_MS = 10_000;

/** Queue depths as gauges; RabbitMQ is asked every few seconds, not on every scrape. */
export function queueGauges(options: { broker: ServiceBroker; inspector: QueueInspector; queues: string[] }): PeriodicChore {
  const { broker, inspector, queues } = options;
  return new PeriodicChore({
    name: "queue gauges",
    intervalMs: QUEUE_GAUGES_INTERVAL_MS,
    runAtStart: true,
    run: async () => {
      try {
        for (const depth of await inspector.depths(queues)) {
          const labels = { queue: depth.queue };
          broker.metrics.set(METRIC.queueReady, depth.ready, labels);
          broker.metrics.set(METRIC.queueDelayed, depth.delayed, labels);
          broker.metrics.set(METRIC.queueDead, depth.dead, labels);
          broker.metrics.set(METRIC.queueConsumers, depth.consumers, labels);
        }
      } catch (error) {
        broker.logger.warn("Could not read queue depths for metrics", error);
      }
    },
  });
}
