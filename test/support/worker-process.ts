import { ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import amqp from "amqplib";
import { workQueueName } from "../../shared/engine/queue/topology";
import { waitFor } from "./wait-for";

const ROOT = path.resolve(__dirname, "../..");

/**
 * Starts `npm start`'s entry point in a child process running only the given services. With
 * `captureOutput` its stdout and stderr are piped (read them from the child) instead of shared with the test's.
 */
export function spawnNode(services: string, env: Record<string, string> = {}, captureOutput = false): ChildProcess {
  return spawn(process.execPath, ["--require", "tsx/cjs", "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...process.env, SERVICES: services, PORT: "0", LOG_LEVEL: "warn", ...env },
    stdio: captureOutput ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
  });
}

/** Resolves when the queue has `count` consumers (a child worker is ready). */
export async function waitForConsumers(queue: string, count: number, timeoutMs = 30_000): Promise<void> {
  const connection = await amqp.connect(process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672");
  try {
    const name = workQueueName(process.env.QUEUE_PREFIX as string, queue);
    await waitFor(
      async () => {
        // A fresh channel each time: checkQueue on a queue not declared yet closes the channel.
        const channel = await connection.createChannel();
        channel.on("error", () => undefined);
        try {
          return (await channel.checkQueue(name)).consumerCount;
        } catch {
          return 0;
        } finally {
          await channel.close().catch(() => undefined);
        }
      },
      (consumers) => consumers >= count,
      { timeoutMs, intervalMs: 200 },
    );
  } finally {
    await connection.close();
  }
}

/** Kills a child that still runs (a test's teardown) and waits until it is gone. */
export async function killIfRunning(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGKILL");
  await exited(child);
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
}
