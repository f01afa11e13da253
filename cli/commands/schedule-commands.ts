import type { Command } from "commander";
import type { PublicSchedule } from "../../shared/db/schedules/schedule-record";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { GatewayClient } from "../gateway-client";
import { formatTable, OutputOptions, print, when } from "../output";

const timing = (schedule: PublicSchedule) =>
  schedule.cron ? `cron ${schedule.cron} (${schedule.timezone})` : schedule.intervalMs ? `every ${schedule.intervalMs} ms` : `once at ${when(schedule.runAt)}`;

const describe = (schedule: PublicSchedule) =>
  `${schedule.name} (${schedule.id}): ${schedule.state}, next run ${when(schedule.nextRunAt)}`;

export function registerScheduleCommands(program: Command, output: () => OutputOptions): void {
  const schedules = program.command("schedules").description("Your organization's periodic jobs (the beat scheduler's entries)");
  schedules
    .command("list")
    .description("Schedules with their next run")
    .action(async () => {
      const items = await GatewayClient.fromEnvironment().getAll<PublicSchedule>("/schedules");
      print(output(), { items }, (data) =>
        formatTable(data.items, [
          { header: "id", value: (row) => row.id },
          { header: "name", value: (row) => row.name },
          { header: "task", value: (row) => row.task },
          { header: "timing", value: timing },
          { header: "state", value: (row) => row.state },
          { header: "next run", value: (row) => when(row.nextRunAt) },
          { header: "runs", value: (row) => row.totalRunCount },
        ]),
      );
    });
  for (const [verb, description] of [
    ["pause", "Stop firing a schedule until it is resumed"],
    ["resume", "Fire a paused schedule again"],
  ] as const) {
    schedules
      .command(verb)
      .description(description)
      .argument("<id>")
      .action(async (id: string) => {
        const schedule = await GatewayClient.fromEnvironment().post<PublicSchedule>(`/schedules/${encodeURIComponent(id)}/${verb}`);
        print(output(), schedule, describe);
      });
  }
  schedules
    .command("run")
    .description("Fire a schedule once now, besides its timing")
    .argument("<id>")
    .action(async (id: string) => {
      const fired = await GatewayClient.fromEnvironment().post<{ job: PublicJob }>(`/schedules/${encodeURIComponent(id)}/run`);
      print(output(), fired, ({ job }) => `enqueued ${job.id} (${job.task}): ${job.status}`);
    });
}
