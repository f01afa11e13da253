import type { Command } from "commander";
import { tasksByService } from "../../services/task-catalog";
import { CliError, EXIT } from "../exit-codes";
import { availableServices, startNode } from "../start-node";

const list = (value: string) => value.split(",").map((item) => item.trim()).filter(Boolean);

/** The services whose tasks route to one of `queues`: what a worker for those queues must load. */
export function workerServices(queues: string[]): string[] {
  const services = Object.entries(tasksByService())
    .filter(([, tasks]) => queues.length === 0 || tasks.some((task) => queues.includes(task.queue)))
    .map(([service]) => service);
  if (services.length === 0) {
    const known = [...new Set(Object.values(tasksByService()).flat().map((task) => task.queue))].sort();
    throw new CliError(`No task routes to ${queues.join(", ")}; queues: ${known.join(", ")}`, EXIT.usage);
  }
  return services;
}

/**
 * `start` and `worker` are `npm start` with flags: the flags become the environment variables the
 * configuration reads (SERVICES, WORKER_QUEUES, WORKER_PREFETCH), so both ways are validated alike.
 */
async function start(services: string[], env: Record<string, string>): Promise<void> {
  Object.assign(process.env, env);
  await startNode(services);
}

export function registerNodeCommands(program: Command): void {
  program
    .command("start")
    .description("Start a Conveyor node: every service, or those --services names (what `npm start` does)")
    .option("--services <names>", "comma-separated services, e.g. gateway,auth,jobs", list, [])
    .addHelpText("after", `\nServices: ${availableServices().join(", ")}`)
    .action((options: { services: string[] }) => start(options.services, { SERVICES: options.services.join(",") }));

  program
    .command("worker")
    .description("Start a worker: the services whose tasks route to --queues, consuming only those queues")
    .option("-Q, --queues <names>", "comma-separated queues, e.g. ai,datasync (default: every queue)", list, [])
    .option("--prefetch <n>", "unacked messages and jobs run at once, per queue (WORKER_PREFETCH)")
    .option("--services <names>", "load these services instead of those the queues imply", list, [])
    .action((options: { queues: string[]; prefetch?: string; services: string[] }) => {
      const services = options.services.length > 0 ? options.services : workerServices(options.queues);
      return start(services, {
        SERVICES: services.join(","),
        WORKER_QUEUES: options.queues.join(","),
        ...(options.prefetch === undefined ? {} : { WORKER_PREFETCH: options.prefetch }),
      });
    });
}
