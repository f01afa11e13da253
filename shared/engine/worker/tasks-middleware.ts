import type { Middleware, Service, ServiceBroker, ServiceSchema } from "moleculer";
import { config } from "../../../config";
import { closeRuntime, runtimeFor } from "../runtime";
import type { TaskDefinition } from "../tasks/define-task";
import { Worker } from "./worker";
import { JOB_CANCELLED_EVENT } from "../../lib/event-names";


declare module "moleculer" {
  interface ServiceSchema {
    /** Tasks this service runs: the node consumes their queues while the service is started. */
    tasks?: readonly TaskDefinition[];
  }
}

/** Published in the service's registry metadata, so the dashboard can list workers across nodes. */
export interface WorkerMetadata {
  queues: string[];
  prefetch: number;
  tasks: string[];
}
export const WORKER_METADATA_KEY = "conveyorWorker";

const workers = new WeakMap<Service, Worker>();

/** The queues a service's tasks route to, less those WORKER_QUEUES leaves out. */
function consumedQueues(tasks: readonly TaskDefinition[]): string[] {
  const allowed = config().WORKER_QUEUES;
  return [...new Set(tasks.map((task) => task.queue))].filter((queue) => allowed.length === 0 || allowed.includes(queue));
}

/**
 * Adds a `tasks:` section to service schemas, the Moleculer-native face of the worker runtime:
 *
 *   export default { name: "enrichment", tasks: [enrichIssue] } satisfies ServiceSchema;
 *
 * WORKER_QUEUES limits which queues this process consumes (e.g. `ai,datasync`). Also owns the node's
 * runtime connections and closes them when the broker stops.
 */
export function TasksMiddleware(): Middleware {
  return {
    serviceCreating(service: Service, schema: ServiceSchema) {
      if (!schema.tasks?.length) return;
      const metadata: WorkerMetadata = {
        queues: consumedQueues(schema.tasks),
        prefetch: config().WORKER_PREFETCH,
        tasks: schema.tasks.map((task) => task.name),
      };
      schema.metadata = { ...schema.metadata, [WORKER_METADATA_KEY]: metadata };
      schema.events = {
        ...schema.events,
        [JOB_CANCELLED_EVENT]: {
          handler(ctx: { params: { id: string } }) {
            workers.get(service)?.abort(ctx.params.id);
          },
        },
      };
    },

    async serviceStarted(service: Service) {
      const tasks = service.schema.tasks;
      if (!tasks?.length) return;
      const runtime = await runtimeFor(service.broker);
      const queues = consumedQueues(tasks);
      if (queues.length === 0) {
        service.logger.info("WORKER_QUEUES excludes every queue of this service; not consuming");
        return;
      }
      const worker = new Worker(tasks, {
        db: runtime.db,
        amqp: runtime.amqp,
        topology: runtime.topology,
        broker: service.broker,
        logger: service.logger,
        queues,
        prefetch: runtime.config.WORKER_PREFETCH,
        leaseMs: runtime.config.JOB_LEASE_MS,
        outcomeFlushMs: runtime.config.OUTCOME_FLUSH_MS,
        maxInterruptions: runtime.config.JOB_MAX_INTERRUPTIONS,
        earlyAckMs: runtime.config.JOB_EARLY_ACK_MS,
        fairShares: runtime.config.QUEUE_FAIR_SHARES,
      });
      workers.set(service, worker);
      await worker.start();
    },

    async serviceStopping(service: Service) {
      const worker = workers.get(service);
      if (!worker) return;
      workers.delete(service);
      const runtime = await runtimeFor(service.broker);
      await worker.stop(runtime.config.SHUTDOWN_GRACE_MS);
    },

    async stopped(broker: ServiceBroker) {
      await closeRuntime(broker);
    },
  };
}
