import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

interface LogLine {
  level: string;
  msg: string;
  jobId?: string;
  task?: string;
  organizationId?: string;
}

describe("structured logs", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs"] });
  });
  afterAll(async () => {
    await stack.stop();
  });

  it("writes JSON lines carrying the job id, task and organization while a job runs", async () => {
    const worker = spawnNode("demo", { LOG_FORMAT: "json", LOG_LEVEL: "info", NODE_ID: "json-logs" }, true);
    const lines: LogLine[] = [];
    // Moleculer's console logger writes info to stdout and warnings to stderr.
    const collect = () => {
      let buffered = "";
      return (chunk: Buffer) => {
        buffered += chunk.toString("utf8");
        const complete = buffered.split("\n");
        buffered = complete.pop() ?? "";
        for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as LogLine);
      };
    };
    worker.stdout?.on("data", collect());
    worker.stderr?.on("data", collect());
    try {
      await waitForConsumers("default", 1);
      const sleeping = await stack.http("POST", "/api/v1/jobs", { task: "demo.sleep", payload: { ms: 10 } });
      const failing = await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: -1, permanent: true } });
      const sleepLine = await waitFor(async () => lines.find((line) => line.jobId === sleeping.body.id), (line) => line !== undefined);
      expect(sleepLine).toMatchObject({ level: "info", msg: "sleeping 10 ms", task: "demo.sleep", organizationId: stack.organizationId });
      const failLine = await waitFor(async () => lines.find((line) => line.jobId === failing.body.id), (line) => line !== undefined);
      expect(failLine).toMatchObject({ level: "warn", task: "demo.fail", organizationId: stack.organizationId });
      expect(failLine?.msg).toMatch(/PermanentError: demo failure/);
    } finally {
      worker.kill("SIGTERM");
      await exited(worker);
    }
  });
});
