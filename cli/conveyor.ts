/**
 * The `conveyor` command. Tenant commands (enqueue, jobs, inspect, queues, purge, schedules) call
 * the gateway with CONVEYOR_URL and CONVEYOR_API_KEY; operator commands (start, worker, migrate,
 * apikey) run a node or talk to Postgres with the same environment as `npm start`.
 */
import { Command, CommanderError } from "commander";
import { ConfigError } from "../config";
import { registerJobCommands } from "./commands/job-commands";
import { registerNodeCommands } from "./commands/node-commands";
import { registerOperatorCommands } from "./commands/operator-commands";
import { registerQueueCommands } from "./commands/queue-commands";
import { registerScheduleCommands } from "./commands/schedule-commands";
import { CliError, EXIT } from "./exit-codes";
import type { OutputOptions } from "./output";

const { version } = require("../package.json") as { version: string };

export function conveyorProgram(): Command {
  const program = new Command("conveyor")
    .description("Conveyor background jobs: run nodes and workers, enqueue and follow jobs, inspect queues")
    .version(version)
    .option("--json", "print answers as JSON, for scripts")
    .showHelpAfterError()
    .exitOverride();
  const output = (): OutputOptions => ({ json: program.opts<{ json?: boolean }>().json === true });
  registerNodeCommands(program);
  registerJobCommands(program, output);
  registerQueueCommands(program, output);
  registerScheduleCommands(program, output);
  registerOperatorCommands(program, output);
  // Every subcommand stops on bad usage with exit code 2 instead of exiting on its own.
  const exitOverride = (command: Command) => {
    command.exitOverride();
    command.commands.forEach(exitOverride);
  };
  exitOverride(program);
  return program;
}

/** Commands after which the process keeps running: they started a node. */
const NODE_COMMANDS = new Set(["start", "worker"]);

/**
 * Runs the command line and resolves with the exit code (0 for --help and --version) and whether a
 * node was started, which keeps the process running until it is signalled.
 */
export async function runCli(argv: string[]): Promise<{ code: number; nodeStarted: boolean }> {
  let ran = "";
  const program = conveyorProgram().hook("preAction", (_program, command) => {
    ran = command.name();
  });
  try {
    await program.parseAsync(argv);
    return { code: EXIT.ok, nodeStarted: NODE_COMMANDS.has(ran) };
  } catch (error) {
    return { code: reportError(error), nodeStarted: false };
  }
}

/** One line on stderr (commander has printed its own usage errors) and the exit code. */
function reportError(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (error instanceof CliError || error instanceof ConfigError) {
    process.stderr.write(`conveyor: ${error.message}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.usage;
  }
  process.stderr.write(`conveyor: ${(error as Error).stack ?? String(error)}\n`);
  return EXIT.error;
}

/** The `conveyor` executable (bin/conveyor.js). Ends the process unless a node was started. */
export async function main(): Promise<void> {
  const { code, nodeStarted } = await runCli(process.argv);
  if (!nodeStarted) process.exit(code);
}
