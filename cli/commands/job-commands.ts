import type { Command } from "commander";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { CliError, EXIT } from "../exit-codes";
import { GatewayClient, Page } from "../gateway-client";
import type { JobUpdate } from "../../shared/db/jobs/job-updates";
import { watchJob } from "../job-watch";
import { Column, formatTable, OutputOptions, print, when } from "../output";
import { ProgressBar } from "../progress-bar";

export const JOB_COLUMNS: Column<PublicJob>[] = [
  { header: "id", value: (job) => job.id },
  { header: "task", value: (job) => job.task },
  { header: "queue", value: (job) => job.queue },
  { header: "status", value: (job) => job.status },
  { header: "attempts", value: (job) => `${job.attempts}/${job.maxAttempts}` },
  { header: "progress", value: (job) => (job.progress ? `${job.progress.percent}%` : null) },
  { header: "created", value: (job) => when(job.createdAt) },
];

function jsonOption(value: string, name: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new CliError(`${name} is not JSON: ${(error as Error).message}`, EXIT.usage);
  }
}

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number)) throw new CliError(`${name} must be an integer, got ${value}`, EXIT.usage);
  return number;
}

function describeJob(job: PublicJob): string {
  const rows: [string, unknown][] = [
    ["id", job.id],
    ["task", job.task],
    ["queue", job.queue],
    ["status", job.status],
    ["attempts", `${job.attempts}/${job.maxAttempts}${job.interruptions ? ` (${job.interruptions} interrupted)` : ""}`],
    ["progress", job.progress ? `${job.progress.percent}% ${job.progress.step ?? ""}`.trim() : undefined],
    ["created", when(job.createdAt)],
    ["started", when(job.startedAt)],
    ["finished", when(job.finishedAt)],
    ["payload", JSON.stringify(job.payload)],
    ["result", job.result === null ? undefined : JSON.stringify(job.result)],
    ["error", job.error ? `${job.error.type}: ${job.error.message}` : undefined],
  ];
  return rows
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name.padEnd(9)} ${String(value)}`)
    .join("\n");
}

/** What a progress bar says about one update of the job. */
function progressLabel(update: JobUpdate): { percent: number; label: string } {
  const { job, data } = update;
  const percent = update.type === "succeeded" ? 100 : (job.progress?.percent ?? 0);
  if (update.type === "progress") {
    return { percent: Number(data.percent ?? percent), label: [data.step, data.message].filter(Boolean).join(": ") };
  }
  const attempt = typeof data.attempt === "number" ? ` (attempt ${data.attempt}/${job.maxAttempts})` : "";
  return { percent, label: `${update.type}${attempt}` };
}

/** Follows the job to its end with a progress bar on stderr; prints the result, or fails with the job's error. */
async function waitForJob(client: GatewayClient, job: PublicJob, options: OutputOptions & { timeout?: string }): Promise<void> {
  const bar = new ProgressBar();
  const ended = await watchJob(client, job.id, (update) => {
    const { percent, label } = progressLabel(update);
    bar.update(percent, label);
  }, integerOption(options.timeout, "--timeout")).finally(() => bar.done());
  print(options, ended, (done) => (done.status === "succeeded" ? JSON.stringify(done.result, null, 2) : describeJob(done)));
  if (ended.status === "failed") throw new CliError(`Job ${ended.id} failed: ${ended.error?.type}: ${ended.error?.message}`, EXIT.jobFailed);
  if (ended.status === "cancelled") throw new CliError(`Job ${ended.id} was cancelled`, EXIT.jobCancelled);
}

interface EnqueueOptions extends OutputOptions {
  payload: string;
  queue?: string;
  priority?: string;
  delay?: string;
  runAt?: string;
  maxAttempts?: string;
  idempotencyKey?: string;
  wait?: boolean;
  timeout?: string;
}

export function registerJobCommands(program: Command, output: () => OutputOptions): void {
  program
    .command("enqueue")
    .description("Enqueue a job; with --wait, follow it live to its end and print its result")
    .argument("<task>", "the task's name, e.g. demo.sleep (see GET /api/v1/tasks)")
    .option("-p, --payload <json>", "the payload, as JSON", "{}")
    .option("--queue <name>", "another queue than the task's own")
    .option("--priority <0-10>", "higher runs first")
    .option("--delay <ms>", "start no sooner than this many ms from now")
    .option("--run-at <iso>", "start no sooner than this time (ISO 8601)")
    .option("--max-attempts <n>", "attempts before the job fails")
    .option("--idempotency-key <key>", "a second enqueue with this key returns the first job")
    .option("-w, --wait", "show a progress bar until the job ends; exit 10 if it failed, 11 if cancelled")
    .option("--timeout <ms>", "with --wait: give up waiting after this long (exit 6; the job goes on)")
    .addHelpText("after", `\nExample:\n  conveyor enqueue demo.sleep --payload '{"ms":1500}' --wait`)
    .action(async (task: string, options: EnqueueOptions) => {
      const client = GatewayClient.fromEnvironment();
      const settings = { ...output(), ...options };
      const job = await client.post<PublicJob>("/jobs", {
        task,
        payload: jsonOption(options.payload, "--payload"),
        queue: options.queue,
        priority: integerOption(options.priority, "--priority"),
        delayMs: integerOption(options.delay, "--delay"),
        runAt: options.runAt,
        maxAttempts: integerOption(options.maxAttempts, "--max-attempts"),
        idempotencyKey: options.idempotencyKey,
      });
      if (!options.wait) {
        print(settings, job, (created) => formatTable([created], JOB_COLUMNS));
        return;
      }
      process.stderr.write(`enqueued ${job.id} (${job.task} on ${job.queue})\n`);
      await waitForJob(client, job, settings);
    });

  const jobs = program.command("jobs").description("List, read, cancel and retry your organization's jobs");
  jobs
    .command("list")
    .description("Jobs, newest first; the filters search (GET /api/v1/jobs)")
    .option("--status <statuses>", "comma-separated statuses, e.g. queued,running")
    .option("--task <name>")
    .option("--queue <name>")
    .option("--schedule <id>", "jobs this schedule fired")
    .option("--payload <json>", 'jobs whose payload contains this JSON object, e.g. \'{"customerId":42}\'')
    .option("--limit <n>", "jobs per page (1-500)", "50")
    .option("--cursor <cursor>", "the next page: nextCursor of the previous one")
    .action(async (options: { status?: string; task?: string; queue?: string; schedule?: string; payload?: string; limit: string; cursor?: string }) => {
      if (options.payload !== undefined) jsonOption(options.payload, "--payload");
      const page = await GatewayClient.fromEnvironment().get<Page<PublicJob>>("/jobs", {
        status: options.status?.split(","),
        task: options.task,
        queue: options.queue,
        scheduleId: options.schedule,
        payload: options.payload,
        limit: options.limit,
        cursor: options.cursor,
      });
      print(output(), page, ({ items, nextCursor }) =>
        [formatTable(items, JOB_COLUMNS), ...(nextCursor ? [`\nmore: --cursor ${nextCursor}`] : [])].join("\n"),
      );
    });
  jobs
    .command("get")
    .description("One job: state, payload, result or error")
    .argument("<id>")
    .option("-w, --wait", "follow the job to its end, as enqueue --wait does")
    .option("--timeout <ms>", "with --wait: give up waiting after this long")
    .action(async (id: string, options: { wait?: boolean; timeout?: string }) => {
      const client = GatewayClient.fromEnvironment();
      const job = await client.get<PublicJob>(`/jobs/${encodeURIComponent(id)}`);
      if (options.wait) await waitForJob(client, job, { ...output(), timeout: options.timeout });
      else print(output(), job, describeJob);
    });
  jobs
    .command("cancel")
    .description("Cancel a job that has not finished (a running one is told to stop)")
    .argument("<id>")
    .action(async (id: string) => {
      const job = await GatewayClient.fromEnvironment().post<PublicJob>(`/jobs/${encodeURIComponent(id)}/cancel`);
      print(output(), job, (cancelled) => `cancelled ${cancelled.id} (was ${cancelled.task} on ${cancelled.queue})`);
    });
  jobs
    .command("retry")
    .description("Run a failed or cancelled job again, with a fresh set of attempts")
    .argument("<id>")
    .action(async (id: string) => {
      const job = await GatewayClient.fromEnvironment().post<PublicJob>(`/jobs/${encodeURIComponent(id)}/retry`);
      print(output(), job, (replayed) => `retrying ${replayed.id}: ${replayed.status}`);
    });
}
