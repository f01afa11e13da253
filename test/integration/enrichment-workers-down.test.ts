import type { Context, ServiceSchema } from "moleculer";
import type { IssueCreated } from "../../shared/domains/enrichment/issue-created";
import { ISSUE_CREATED } from "../../shared/lib/event-names";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";
import { exited, spawnNode, waitForConsumers } from "../support/worker-process";

const transporter = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const ISSUES = 50;

const announced: string[] = [];
const listener: ServiceSchema = {
  name: "issue-listener",
  events: {
    [ISSUE_CREATED](ctx: Context<IssueCreated>) {
      announced.push(ctx.params.issue.id);
    },
  },
};

/**
 * Seed 001's verification: stop the workers, create 50 issues, start them again, and all 50 get
 * enriched (and announced). The API node runs the enrichment service but consumes no `ai` queue;
 * the workers are child processes running `SERVICES=enrichment WORKER_QUEUES=ai`.
 */
describe("enrichment survives its workers being down", () => {
  let stack: Stack;
  beforeAll(async () => {
    // Read once per test file: this node serves the issues API and leaves the `ai` queue to the workers.
    process.env.WORKER_QUEUES = "default";
    stack = await startStack({
      services: ["gateway", "auth", "jobs", "enrichment"],
      extraServices: [listener],
      transporter,
      nodeID: "issues-api",
    });
  });
  afterAll(async () => {
    await stack.stop();
  });

  const startWorker = async (nodeId: string) => {
    const worker = spawnNode("enrichment", { WORKER_QUEUES: "ai", NODE_ID: nodeId });
    await waitForConsumers("ai", 1, 60_000);
    return worker;
  };
  const stopWorker = async (worker: ReturnType<typeof spawnNode>) => {
    worker.kill("SIGTERM");
    await exited(worker);
  };

  it("stop the workers, create 50 issues, start them again: all 50 get enriched and announced", async () => {
    // A worker runs, and is stopped.
    const first = await startWorker("enrichment-worker-1");
    await stopWorker(first);
    const queues = await stack.http("GET", "/api/v1/queues");
    expect(queues.body.items.find((item: { queue: string }) => item.queue === "ai")?.consumers ?? 0).toBe(0);

    const ids: string[] = [];
    for (let index = 0; index < ISSUES; index++) {
      const response = await stack.http("POST", "/api/v1/issues", {
        title: `Worker ${index} loses RabbitMQ messages after a broker restart`,
        body: `After the broker restarts, worker ${index} reconnects but its consumer never resumes. Jobs pile up in the queue until the process is restarted by hand.`,
      });
      expect(response.status).toBe(201);
      ids.push(response.body.id);
    }
    const waiting = await stack.db("issues").whereIn("id", ids).whereNull("enriched_version").count<{ count: string }[]>("* as count");
    expect(Number(waiting[0].count)).toBe(ISSUES);

    const second = await startWorker("enrichment-worker-2");
    try {
      const rows = await waitFor(
        () => stack.db("issues").whereIn("id", ids).select<{ enriched_version: number | null; ai_summary: string | null; tags: string[] }[]>("enriched_version", "ai_summary", "tags"),
        (current) => current.every((row) => row.enriched_version === 1),
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      expect(rows).toHaveLength(ISSUES);
      for (const row of rows) {
        expect(row.ai_summary).toMatch(/reconnects but its consumer never resumes/);
        expect(row.tags.length).toBeGreaterThan(0);
      }
      const workers = await stack.db("job_events")
        .join("jobs", "jobs.id", "job_events.job_id")
        .whereIn("jobs.task", ["ai.enrich_issue"])
        .whereRaw("jobs.payload->>'issueId' = ANY(?)", [ids])
        .where("job_events.type", "running")
        .distinct<{ worker: string }[]>(stack.db.raw("job_events.data->>'worker' AS worker"));
      expect(workers.map((row) => row.worker)).toEqual(["enrichment-worker-2"]);

      await waitFor(async () => ids.filter((id) => announced.includes(id)).length, (count) => count === ISSUES, { timeoutMs: 30_000 });
      expect(new Set(announced.filter((id) => ids.includes(id))).size).toBe(ISSUES);
    } finally {
      await stopWorker(second);
    }
  });
});
