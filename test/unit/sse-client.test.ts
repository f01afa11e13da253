import type { JobUpdate } from "../../shared/db/jobs/job-updates";
import { SseClient } from "../../services/gateway/sse/sse-client";

const organizationId = "org-1";
let nextId = 1;
const update = (jobId: string, type: string, overrides: Partial<JobUpdate["job"]> = {}): JobUpdate => ({
  id: String(nextId++),
  type,
  data: {},
  at: new Date().toISOString(),
  job: {
    id: jobId,
    organizationId,
    task: "demo.echo",
    queue: "default",
    payload: { text: "x".repeat(2_000) },
    status: "running",
    attempts: 1,
    maxAttempts: 3,
    interruptions: 0,
    worker: null,
    priority: 0,
    progress: null,
    result: null,
    error: null,
    idempotencyKey: null,
    callbackUrl: null,
    scheduleId: null,
    runAt: null,
    createdAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    updatedAt: new Date().toISOString(),
    deadLetteredAt: null,
    ...overrides,
  },
});

const read = (client: SseClient) => {
  const text = (client.stream.read() as Buffer | null)?.toString("utf8") ?? "";
  return [...text.matchAll(/^id: (\d+)$/gm)].map((match) => match[1]);
};

const newClient = (overrides: Partial<ConstructorParameters<typeof SseClient>[0]> = {}) =>
  new SseClient({ filter: { organizationId }, heartbeatMs: 60_000, maxPendingJobs: 3, closeOnTerminal: false, ...overrides });

describe("SseClient", () => {
  it("filters by organization, job and status", () => {
    const client = newClient({ filter: { organizationId, task: "demo.echo", statuses: ["succeeded"] } });
    const wanted = update("a", "succeeded", { status: "succeeded" });
    client.offer(update("a", "running"));
    client.offer(update("b", "succeeded", { status: "succeeded", organizationId: "org-2" }));
    client.offer(update("c", "succeeded", { status: "succeeded", task: "demo.other" }));
    client.goLive();
    client.offer(wanted);
    expect(read(client)).toEqual([wanted.id]);
    client.close();
  });

  it("holds live events during replay and never sends an event twice", () => {
    const client = newClient();
    const first = update("a", "queued");
    const second = update("a", "running");
    client.offer(first); // arrives live while the replay runs
    client.offer(second);
    client.sendReplayed([first]);
    client.goLive();
    client.offer(second); // a late duplicate from the notifier
    expect(read(client)).toEqual([first.id, second.id]);
    client.close();
  });

  it("coalesces to the latest state per job when the client is slow, and cuts it off past the limit", () => {
    const client = newClient({ maxPendingJobs: 4 });
    client.goLive();
    // Nobody reads the stream: after ~64 KiB it counts as slow, and the last fillers wait as one job.
    for (let i = 0; i < 40; i++) client.offer(update("filler", "progress"));
    expect(client.isClosed).toBe(false);
    client.offer(update("a", "running"));
    client.offer(update("a", "succeeded"));
    client.offer(update("b", "running"));
    client.offer(update("c", "running"));
    expect(client.isClosed).toBe(false); // filler, a, b, c pending: at the limit
    client.offer(update("d", "running"));
    expect(client.isClosed).toBe(true);
  });

  it("sends a slow client only the latest state of each job once it catches up", async () => {
    const client = newClient({ maxPendingJobs: 10 });
    client.goLive();
    for (let i = 0; i < 40; i++) client.offer(update("filler", "progress"));
    const running = update("a", "running");
    const succeeded = update("a", "succeeded");
    client.offer(running);
    client.offer(succeeded);
    const received: string[] = [];
    client.stream.on("data", (chunk: Buffer) => received.push(...[...chunk.toString("utf8").matchAll(/^id: (\d+)$/gm)].map((m) => m[1])));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(received).toContain(succeeded.id);
    expect(received).not.toContain(running.id);
    client.close();
  });

  it("ends a single-job stream after the terminal event", () => {
    const client = newClient({ closeOnTerminal: true });
    client.goLive();
    client.offer(update("a", "running"));
    expect(client.isClosed).toBe(false);
    client.offer(update("a", "succeeded", { status: "succeeded" }));
    expect(client.isClosed).toBe(true);
  });
});
