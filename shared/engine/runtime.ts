import type { ServiceBroker } from "moleculer";
import { Config, config } from "../../config";
import { createDb, Db, migrateLatest } from "../db/knex";
import { PostgresListener } from "./events/postgres-listener";
import { AmqpClient } from "./queue/amqp-client";
import type { TopologyOptions } from "./queue/topology";

/** The connections one Moleculer node shares between its services. */
export interface Runtime {
  config: Config;
  db: Db;
  amqp: AmqpClient;
  /** The node's one LISTEN connection; it connects on the first `listen()`. */
  listener: PostgresListener;
  topology: TopologyOptions;
}

const runtimes = new WeakMap<ServiceBroker, Promise<Runtime>>();

/**
 * The node's runtime, created on first use: a knex pool with the schema migrated, a connected AMQP
 * client and the Postgres listener. Closed by `closeRuntime` when the broker stops (the tasks middleware does that).
 */
export function runtimeFor(broker: ServiceBroker): Promise<Runtime> {
  let runtime = runtimes.get(broker);
  if (!runtime) {
    runtime = createRuntime(broker);
    runtimes.set(broker, runtime);
  }
  return runtime;
}

/** Gives the broker this runtime instead of one created on first use: how runTask hands a task its test's database. */
export function provideRuntime(broker: ServiceBroker, runtime: Runtime): void {
  runtimes.set(broker, Promise.resolve(runtime));
}

export async function closeRuntime(broker: ServiceBroker): Promise<void> {
  const runtime = runtimes.get(broker);
  if (!runtime) return;
  runtimes.delete(broker);
  const { db, amqp, listener } = await runtime;
  await listener.stop();
  await amqp.stop();
  await db.destroy();
}

/**
 * The runtime around a knex pool, with nothing connected yet: the AMQP client connects on `start()`,
 * the listener on its first `listen()`.
 */
export function assembleRuntime(broker: ServiceBroker, settings: Config, db: Db): Runtime {
  return {
    config: settings,
    db,
    amqp: new AmqpClient(settings.AMQP_URL, broker.getLogger("amqp"), `conveyor:${broker.nodeID}`),
    listener: new PostgresListener({ databaseUrl: settings.DATABASE_URL, logger: broker.getLogger("pg-listener"), applicationName: "conveyor-listener" }),
    topology: {
      prefix: settings.QUEUE_PREFIX,
      queueType: settings.QUEUE_TYPE,
      deliveryLimit: settings.QUEUE_DELIVERY_LIMIT,
    },
  };
}

async function createRuntime(broker: ServiceBroker): Promise<Runtime> {
  const settings = config();
  const db = createDb(settings.DATABASE_URL, settings.DATABASE_POOL_MAX);
  await migrateLatest(db);
  const runtime = assembleRuntime(broker, settings, db);
  await runtime.amqp.start();
  return runtime;
}
