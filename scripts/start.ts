/**
 * `npm start`: every service in one process, or the ones SERVICES names (comma-separated, e.g.
 * `SERVICES=gateway,jobs,auth`). `conveyor start` and `conveyor worker` do the same with flags.
 */
import { config, ConfigError } from "../config";
import { startNode } from "../cli/start-node";

startNode(config().SERVICES).catch((error: Error) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : error.stack}\n`);
  process.exit(1);
});
