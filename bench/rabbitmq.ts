import amqp from "amqplib";

/** Short-lived connections to RabbitMQ for the benchmark's own checks and clean-up. */

async function withChannel<T>(url: string, use: (connection: amqp.ChannelModel) => Promise<T>): Promise<T> {
  const connection = await amqp.connect(url, { clientProperties: { connection_name: "conveyor:bench" } });
  try {
    return await use(connection);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

/** RabbitMQ's version as the server announces it. */
export function rabbitmqVersion(url: string): Promise<string> {
  return withChannel(url, async (connection) => {
    const version = connection.connection.serverProperties.version;
    return typeof version === "string" ? version : "unknown";
  });
}

/** Work queue consumers; 0 while the queue does not exist yet. */
async function consumerCount(connection: amqp.ChannelModel, queue: string): Promise<number> {
  // A fresh channel each time: checkQueue on a missing queue closes the channel.
  const channel = await connection.createChannel();
  channel.on("error", () => undefined);
  try {
    return (await channel.checkQueue(queue)).consumerCount;
  } catch {
    return 0;
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/** Resolves once `queue` has a consumer; `alive` lets a dead worker fail the wait at once. */
export function waitForConsumer(url: string, queue: string, alive: () => boolean, timeoutMs = 60_000): Promise<void> {
  return withChannel(url, async (connection) => {
    const deadline = Date.now() + timeoutMs;
    while ((await consumerCount(connection, queue)) < 1) {
      if (!alive()) throw new Error(`the worker exited before consuming ${queue}`);
      if (Date.now() > deadline) throw new Error(`no consumer on ${queue} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });
}

/** Deletes this run's queues (deleting a missing queue is fine); returns how many messages they held. */
export function deleteQueues(url: string, names: string[]): Promise<number> {
  return withChannel(url, async (connection) => {
    const channel = await connection.createChannel();
    let messages = 0;
    for (const name of names) messages += (await channel.deleteQueue(name)).messageCount;
    await channel.close();
    return messages;
  });
}

/**
 * What Moleculer's AMQP transporter leaves for a namespace: a queue per node and packet type (they
 * expire two minutes after their node goes) and durable fanout exchanges (they stay).
 */
export function transporterNames(namespace: string, nodeIds: string[]): { queues: string[]; exchanges: string[] } {
  const base = `MOL-${namespace}`;
  return {
    queues: nodeIds.flatMap((nodeId) => ["REQ", "RES", "EVENT"].map((type) => `${base}.${type}.${nodeId}`)),
    exchanges: ["DISCONNECT", "DISCOVER", "HEARTBEAT", "INFO", "PING"].map((type) => `${base}.${type}`),
  };
}

export function deleteExchanges(url: string, names: string[]): Promise<void> {
  return withChannel(url, async (connection) => {
    const channel = await connection.createChannel();
    for (const name of names) await channel.deleteExchange(name);
    await channel.close();
  });
}
