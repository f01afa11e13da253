import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import type { PublicQueueStats } from "../../shared/db/jobs/queue-stats";
import { CliError, EXIT } from "../exit-codes";
import { GatewayClient } from "../gateway-client";
import { formatTable, OutputOptions, print, when } from "../output";

interface QueueOverview {
  queue: string;
  consumers: number | null;
  paused: boolean;
  jobs: { scheduled: number; queued: number; running: number; retrying: number };
}

/** Rates over the last minute of the organization's jobs, per second. */
const RATE_MINUTES = 1;
const perSecond = (count: number | undefined) => (count === undefined ? null : (count / (RATE_MINUTES * 60)).toFixed(2));

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new CliError(`${question} Not asked: stdin is not a terminal; pass --yes to confirm`, EXIT.usage);
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

export function registerQueueCommands(program: Command, output: () => OutputOptions): void {
  program
    .command("queues")
    .description("Each queue: consumers, your organization's waiting, running and retrying jobs, and its rates over the last minute")
    .action(async () => {
      const client = GatewayClient.fromEnvironment();
      const [{ items: overview }, stats] = await Promise.all([
        client.get<{ items: QueueOverview[] }>("/queues"),
        client.get<PublicQueueStats>("/stats/queues", { minutes: RATE_MINUTES }),
      ]);
      const items = overview.map((queue) => {
        const rates = stats.queues.find((series) => series.queue === queue.queue);
        return {
          ...queue,
          perSecond: { started: perSecond(rates?.started), succeeded: perSecond(rates?.succeeded), failed: perSecond(rates?.failed) },
          latencyP50Ms: rates?.latencyP50Ms ?? null,
        };
      });
      print(output(), { items }, (data) =>
        formatTable(data.items, [
          { header: "queue", value: (row) => row.queue },
          { header: "consumers", value: (row) => row.consumers },
          { header: "paused", value: (row) => (row.paused ? "yes" : "") },
          { header: "scheduled", value: (row) => row.jobs.scheduled },
          { header: "queued", value: (row) => row.jobs.queued },
          { header: "running", value: (row) => row.jobs.running },
          { header: "retrying", value: (row) => row.jobs.retrying },
          { header: "started/s", value: (row) => row.perSecond.started },
          { header: "succeeded/s", value: (row) => row.perSecond.succeeded },
          { header: "failed/s", value: (row) => row.perSecond.failed },
          { header: "wait p50 ms", value: (row) => (row.latencyP50Ms === null ? null : Math.round(row.latencyP50Ms)) },
        ]),
      );
    });

  program
    .command("inspect")
    .description("Look at what runs right now")
    .command("active")
    .description("Your organization's running jobs, by the worker node that runs them (celery inspect active)")
    .action(async () => {
      const jobs = await GatewayClient.fromEnvironment().getAll<PublicJob>("/jobs", { status: "running" });
      const byWorker: Record<string, PublicJob[]> = {};
      for (const job of jobs) (byWorker[job.worker ?? "unknown"] ??= []).push(job);
      print(output(), { workers: byWorker }, ({ workers }) => {
        const nodes = Object.keys(workers).sort();
        if (nodes.length === 0) return "no running jobs";
        return nodes
          .map((node) =>
            [
              `${node} (${workers[node].length} running)`,
              formatTable(workers[node], [
                { header: "id", value: (job) => job.id },
                { header: "task", value: (job) => job.task },
                { header: "queue", value: (job) => job.queue },
                { header: "attempt", value: (job) => `${job.attempts}/${job.maxAttempts}` },
                { header: "progress", value: (job) => (job.progress ? `${job.progress.percent}%` : null) },
                { header: "started", value: (job) => when(job.startedAt) },
              ]).replace(/^/gm, "  "),
            ].join("\n"),
          )
          .join("\n\n");
      });
    });

  for (const [verb, description] of [
    ["pause", "Pause your organization's jobs on a queue: waiting ones stay waiting, running ones finish"],
    ["resume", "Resume your organization's jobs on a paused queue"],
  ] as const) {
    program
      .command(verb)
      .description(description)
      .argument("<queue>")
      .action(async (queue: string) => {
        const answer = await GatewayClient.fromEnvironment().post<{ queue: string; paused: boolean }>(`/queues/${encodeURIComponent(queue)}/${verb}`);
        print(output(), answer, ({ paused }) => `${queue}: ${paused ? "paused" : "resumed"}`);
      });
  }

  program
    .command("purge")
    .description("Cancel your organization's waiting jobs on a queue (running ones finish)")
    .argument("<queue>")
    .option("-y, --yes", "do not ask for confirmation")
    .action(async (queue: string, options: { yes?: boolean }) => {
      const client = GatewayClient.fromEnvironment();
      const { items } = await client.get<{ items: QueueOverview[] }>("/queues");
      const known = items.find((item) => item.queue === queue);
      if (!known) throw new CliError(`No queue ${queue}; queues: ${items.map((item) => item.queue).join(", ")}`, EXIT.notFound);
      const waiting = known.jobs.scheduled + known.jobs.queued + known.jobs.retrying;
      if (!options.yes && !(await confirm(`Cancel ${waiting} waiting job(s) on ${queue}?`))) {
        throw new CliError("Not purged", EXIT.usage);
      }
      const purged = await client.post<{ queue: string; cancelled: number }>(`/queues/${encodeURIComponent(queue)}/purge`);
      print(output(), purged, ({ cancelled }) => `cancelled ${cancelled} waiting job(s) on ${queue}`);
    });
}
