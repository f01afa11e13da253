import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { ConfigError } from "../config";
import brokerConfig from "../moleculer.config";

const SERVICES_DIR = path.resolve(__dirname, "../services");
const SUFFIX = ".service.ts";

/** Every service this checkout has: services/<name>.service.ts. */
export function availableServices(): string[] {
  return readdirSync(SERVICES_DIR)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length));
}

export function serviceFiles(requested: string[]): string[] {
  const available = availableServices();
  const names = requested.length > 0 ? requested : available;
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`unknown service(s) ${unknown.join(", ")}; available: ${available.join(", ")}`);
  }
  return names.map((name) => path.join(SERVICES_DIR, `${name}${SUFFIX}`)).filter((file) => existsSync(file));
}

/**
 * Starts a Conveyor node with the given services (all of them when none are named). The broker
 * handles SIGTERM/SIGINT itself: it stops every service (workers drain) and exits.
 */
export async function startNode(services: string[]): Promise<ServiceBroker> {
  const files = serviceFiles(services);
  const broker = new ServiceBroker(brokerConfig);
  // Moleculer's AMQP transporter can send a heartbeat on the channel it is closing while the broker
  // stops; the rejection would turn a clean shutdown (every job settled) into exit code 1.
  process.on("unhandledRejection", (reason) => {
    if (broker.stopping && reason instanceof Error && reason.name === "IllegalOperationError") {
      broker.logger.warn(`Ignored while stopping: ${reason.message}`);
      return;
    }
    throw reason;
  });
  for (const file of files) broker.loadService(file);
  await broker.start();
  return broker;
}
