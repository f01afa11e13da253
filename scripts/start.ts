/**
 * Starts Conveyor: every service in one process, or the ones SERVICES names (comma-separated, e.g.
 * `SERVICES=gateway,jobs,auth`). Stops gracefully on SIGTERM/SIGINT: workers finish or hand back
 * their jobs before the process exits.
 */
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { config, ConfigError } from "../config";
import brokerConfig from "../moleculer.config";

const SERVICES_DIR = path.resolve(__dirname, "../services");
const SUFFIX = ".service.ts";

export function serviceFiles(requested: string[]): string[] {
  const available = readdirSync(SERVICES_DIR)
    .filter((file) => file.endsWith(SUFFIX))
    .map((file) => file.slice(0, -SUFFIX.length));
  const names = requested.length > 0 ? requested : available;
  const unknown = names.filter((name) => !available.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(`SERVICES: unknown service(s) ${unknown.join(", ")}; available: ${available.join(", ")}`);
  }
  return names.map((name) => path.join(SERVICES_DIR, `${name}${SUFFIX}`)).filter((file) => existsSync(file));
}

async function main(): Promise<void> {
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
  for (const file of serviceFiles(config().SERVICES)) broker.loadService(file);
  // The broker handles SIGTERM/SIGINT itself: it stops every service (workers drain) and exits.
  await broker.start();
}

main().catch((error: Error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error.stack}\n`);
  process.exit(1);
});
