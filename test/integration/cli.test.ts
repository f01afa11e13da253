import { ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import type { Command } from "commander";
import { conveyorProgram } from "../../cli/conveyor";
import { EXIT } from "../../cli/exit-codes";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import type { PublicSchedule } from "../../shared/db/schedules/schedule-record";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, killIfRunning, waitForConsumers } from "../support/worker-process";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "conveyor.js");

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The real `conveyor` executable against this test's stack: a worker it starts runs the jobs (the
 * stack itself runs no demo service), tenant commands go through the gateway with the stack's key.
 */
describe("conveyor command line against the running stack", () => {
  let stack: Stack;
  let worker: ChildProcess;
  let env: NodeJS.ProcessEnv;

  const conveyor = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Ran> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  const json = async <T>(args: string[]): Promise<T> => {
    const ran = await conveyor(["--json", ...args]);
    expect({ code: ran.code, stderr: ran.stderr }).toEqual({ code: 0, stderr: "" });
    return JSON.parse(ran.stdout) as T;
  };

  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "notifier", "schedules"] });
    env = { ...process.env, CONVEYOR_URL: stack.baseUrl, CONVEYOR_API_KEY: stack.apiKey };
    worker = spawn(process.execPath, [BIN, "worker", "--queues", "default", "--prefetch", "7"], {
      cwd: ROOT,
      env: { ...env, NODE_ID: "cli-worker", PORT: "0" },
      stdio: ["ignore", "inherit", "inherit"],
    });
    await waitForConsumers("default", 1);
  });
  afterAll(async () => {
    await killIfRunning(worker);
    await stack?.stop();
  });

  it("enqueue --wait shows progress while the job runs and prints its result", async () => {
    const ran = await conveyor(["enqueue", "demo.sleep", "--payload", '{"ms":1500}', "--wait"]);
    expect(ran.code).toBe(EXIT.ok);
    expect(JSON.parse(ran.stdout)).toEqual({ sleptMs: 1500 });
    // Not a terminal, so each change of the bar is its own line on stderr.
    expect(ran.stderr).toMatch(/^enqueued [0-9a-f-]{36} \(demo\.sleep on default\)$/m);
    expect(ran.stderr).toMatch(/\[-+\] +0% sleeping/);
    expect(ran.stderr).toMatch(/\[#{30}\] 100% succeeded/);
  });

  it("prints JSON for scripts, and tables for people", async () => {
    const job = await json<PublicJob>(["enqueue", "demo.echo", "--payload", '{"text":"from the cli"}']);
    expect(job).toMatchObject({ task: "demo.echo", payload: { text: "from the cli" } });
    const done = await waitFor(() => json<PublicJob>(["jobs", "get", job.id]), (current) => current.status === "succeeded");
    expect(done.result).toEqual({ text: "from the cli" });
    expect(done.worker).toBe("cli-worker");

    const page = await json<{ items: PublicJob[] }>(["jobs", "list", "--status", "succeeded", "--task", "demo.echo"]);
    expect(page.items.map((item) => item.id)).toContain(job.id);
    const found = await json<{ items: PublicJob[] }>(["jobs", "list", "--payload", '{"text":"from the cli"}']);
    expect(found.items.map((item) => item.id)).toEqual([job.id]);
    const table = await conveyor(["jobs", "list", "--task", "demo.echo"]);
    expect(table.code).toBe(EXIT.ok);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID +TASK +QUEUE +STATUS +ATTEMPTS/);
    expect(table.stdout).toMatch(new RegExp(`^${job.id} +demo\\.echo +default +succeeded +1/`, "m"));
  });

  it("exits with codes scripts can trust", async () => {
    const failed = await conveyor(["enqueue", "demo.fail", "--payload", '{"failTimes":-1,"permanent":true}', "--wait"]);
    expect(failed.code).toBe(EXIT.jobFailed);
    expect(failed.stderr).toMatch(/failed: PermanentError/);

    const refused = await conveyor(["enqueue", "no.such-task"]);
    expect(refused.code).toBe(EXIT.refused);
    expect(refused.stderr).toMatch(/422 UNKNOWN_TASK/);
    expect((await conveyor(["enqueue", "demo.echo", "--payload", "{not json"])).code).toBe(EXIT.usage);
    expect((await conveyor(["jobs", "frobnicate"])).code).toBe(EXIT.usage);
    expect((await conveyor(["jobs", "get", "00000000-0000-4000-8000-000000000000"])).code).toBe(EXIT.notFound);
    expect((await conveyor(["queues"], { CONVEYOR_API_KEY: "cvy_wrong" })).code).toBe(EXIT.unauthorized);
    expect((await conveyor(["queues"], { CONVEYOR_API_KEY: "" })).code).toBe(EXIT.usage);
    const down = await conveyor(["queues"], { CONVEYOR_URL: "http://127.0.0.1:9" });
    expect(down.code).toBe(EXIT.unavailable);
    expect(down.stderr).toMatch(/Cannot reach the gateway/);
    expect((await conveyor(["start", "--services", "no-such-service"])).code).toBe(EXIT.usage);
  });

  it("inspect active lists running jobs by worker node; cancel and retry act on them", async () => {
    const job = await json<PublicJob>(["enqueue", "demo.sleep", "--payload", '{"ms":60000}']);
    const active = await waitFor(
      () => json<{ workers: Record<string, PublicJob[]> }>(["inspect", "active"]),
      (answer) => (answer.workers["cli-worker"] ?? []).some((running) => running.id === job.id),
    );
    expect(active.workers["cli-worker"].find((running) => running.id === job.id)?.status).toBe("running");
    const human = await conveyor(["inspect", "active"]);
    expect(human.stdout).toMatch(/^cli-worker \(\d+ running\)$/m);

    expect((await json<PublicJob>(["jobs", "cancel", job.id])).status).toBe("cancelled");
    expect((await conveyor(["jobs", "cancel", job.id])).code).toBe(EXIT.refused); // 409: already finished
    const retried = await json<PublicJob>(["jobs", "retry", job.id]);
    expect(["queued", "running"]).toContain(retried.status);
    expect((await json<PublicJob>(["jobs", "cancel", job.id])).status).toBe("cancelled");
  });

  it("queues shows consumers and the organization's jobs; purge cancels waiting jobs after confirmation", async () => {
    const delayed = await Promise.all(
      [1, 2, 3].map(() => json<PublicJob>(["enqueue", "demo.echo", "--payload", '{"text":"later"}', "--delay", "600000"])),
    );
    const queues = await json<{ items: { queue: string; consumers: number | null; jobs: { scheduled: number }; perSecond: { succeeded: string } }[] }>(["queues"]);
    const defaultQueue = queues.items.find((item) => item.queue === "default");
    expect(defaultQueue?.consumers).toBeGreaterThanOrEqual(1);
    expect(defaultQueue?.jobs.scheduled).toBeGreaterThanOrEqual(3);
    expect(Number(defaultQueue?.perSecond.succeeded)).toBeGreaterThan(0); // the jobs the tests above ran
    expect((await conveyor(["queues"])).stdout.split("\n")[0]).toMatch(/CONSUMERS .* STARTED\/S +SUCCEEDED\/S +FAILED\/S/);

    expect(await json<{ paused: boolean }>(["pause", "default"])).toEqual({ queue: "default", paused: true });
    expect((await conveyor(["queues"])).stdout).toMatch(/^default +\d+ +yes /m);
    expect(await json<{ paused: boolean }>(["resume", "default"])).toEqual({ queue: "default", paused: false });

    const unconfirmed = await conveyor(["purge", "default"]); // stdin is not a terminal: nobody to ask
    expect(unconfirmed.code).toBe(EXIT.usage);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect((await conveyor(["purge", "no-such-queue", "--yes"])).code).toBe(EXIT.notFound);

    const purged = await json<{ cancelled: number }>(["purge", "default", "--yes"]);
    expect(purged.cancelled).toBeGreaterThanOrEqual(3);
    const rows = await stack.db("jobs").whereIn("id", delayed.map((job) => job.id)).select("status", "error");
    expect(rows.map((row) => row.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(rows[0].error.message).toBe("purged from its queue");
  });

  it("lists, pauses, resumes and runs schedules", async () => {
    const created = await stack.http("POST", "/api/v1/schedules", { name: `cli-${Date.now()}`, task: "demo.echo", payload: { text: "tick" }, intervalMs: 3_600_000 });
    expect(created.status).toBe(201);
    const id = (created.body as PublicSchedule).id;
    const listed = await json<{ items: PublicSchedule[] }>(["schedules", "list"]);
    expect(listed.items.find((schedule) => schedule.id === id)).toMatchObject({ state: "active", nextRunAt: expect.any(String) });
    expect((await json<PublicSchedule>(["schedules", "pause", id])).state).toBe("paused");
    expect((await conveyor(["schedules", "list"])).stdout).toMatch(new RegExp(`^${id} .* paused `, "m"));
    expect((await json<PublicSchedule>(["schedules", "resume", id])).state).toBe("active");
    const fired = await json<{ job: PublicJob }>(["schedules", "run", id]);
    expect(fired.job).toMatchObject({ task: "demo.echo", scheduleId: id });
  });

  it("creates and revokes API keys and migrates, against Postgres", async () => {
    const migrated = await conveyor(["migrate"]);
    expect(migrated).toMatchObject({ code: 0, stdout: expect.stringMatching(/database is up to date/) });
    const created = await json<{ organizationId: string; keyId: string; apiKey: string }>(["apikey", "create", "--org", "cli-test"]);
    expect((await conveyor(["queues"], { CONVEYOR_API_KEY: created.apiKey })).code).toBe(EXIT.ok);
    expect((await conveyor(["apikey", "create"])).code).toBe(EXIT.usage);
    expect((await json<{ revoked: string }>(["apikey", "revoke", created.keyId])).revoked).toBe(created.keyId);
    expect((await conveyor(["apikey", "revoke", created.keyId])).code).toBe(EXIT.notFound);
  });

  it("answers --help on every command", async () => {
    const paths: string[][] = [];
    const walk = (command: Command, prefix: string[]) => {
      for (const sub of command.commands) {
        paths.push([...prefix, sub.name()]);
        walk(sub, [...prefix, sub.name()]);
      }
    };
    walk(conveyorProgram(), []);
    expect(paths.length).toBeGreaterThanOrEqual(17);
    for (const commandPath of [[], ...paths]) {
      const ran = await conveyor([...commandPath, "--help"]);
      expect({ command: commandPath.join(" "), code: ran.code }).toEqual({ command: commandPath.join(" "), code: 0 });
      expect(ran.stdout).toMatch(new RegExp(`^Usage: conveyor ${commandPath.join(" ")}`.trimEnd(), "m"));
    }
  });

  it("a worker it started stops cleanly on SIGTERM", async () => {
    worker.kill("SIGTERM");
    expect(await exited(worker)).toEqual({ code: 0, signal: null });
  });
});
