import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

interface EventRow {
  type: string;
  data: { attempt?: number; runAt?: string; error?: { type: string } };
  created_at: Date;
}

describe("retries, dead letters and replay", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const events = (id: string) => stack.db<EventRow>("job_events").where("job_id", id).orderBy("id");

  it("retries a transient failure twice, then succeeds, waiting the backoff between attempts", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: 2 } });
    const job = await waitFor(() => stack.job(body.id), (current) => current.status === "succeeded");
    expect(job.attempts).toBe(3);
    expect(job.result).toEqual({ succeededOnAttempt: 3 });

    const history = await events(body.id);
    expect(history.map((event) => event.type)).toEqual([
      "queued", "running", "retrying", "running", "retrying", "running", "succeeded",
    ]);
    // demo.fail backs off exponentially from 300 ms without jitter: 300 ms, then 600 ms. The backoff
    // runs from the attempt's failure (after its start), and the next attempt starts no sooner than
    // the runAt its retrying event names, and not much later.
    const at = (index: number) => history[index].created_at.getTime();
    const runAt = (index: number) => new Date(history[index].data.runAt as string).getTime();
    expect(runAt(2) - at(1)).toBeGreaterThanOrEqual(300);
    expect(at(3)).toBeGreaterThanOrEqual(runAt(2));
    expect(at(3) - runAt(2)).toBeLessThan(1_000);
    expect(runAt(4) - at(3)).toBeGreaterThanOrEqual(600);
    expect(at(5)).toBeGreaterThanOrEqual(runAt(4));
    expect(at(5) - runAt(4)).toBeLessThan(1_000);
    expect(history[2].data.error?.type).toBe("TransientError");
  });

  it("fails after maxAttempts, lists the job as dead-lettered, and replays it", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: -1 }, maxAttempts: 2 });
    const failed = await waitFor(() => stack.job(body.id), (job) => job.status === "failed");
    expect(failed.attempts).toBe(2);
    expect(failed.error).toEqual({ type: "TransientError", message: "demo failure (attempt 2)" });
    expect(failed.deadLetteredAt).not.toBeNull();

    const deadLetters = await stack.http("GET", "/api/v1/jobs/dead-letters?limit=500");
    expect(deadLetters.status).toBe(200);
    expect(deadLetters.body.items.map((job: { id: string }) => job.id)).toContain(body.id);

    const replay = await stack.http("POST", `/api/v1/jobs/${body.id}/retry`);
    expect(replay.status).toBe(202);
    expect(replay.body.status).toBe("queued");
    expect(replay.body.attempts).toBe(0);
    // It runs again (and, still failing, ends failed again after two more attempts).
    await waitFor(() => events(body.id), (history) => history.filter((event) => event.type === "running").length === 4);
    const again = await waitFor(() => stack.job(body.id), (job) => job.status === "failed");
    expect(again.attempts).toBe(2);

    const afterReplay = await stack.http("GET", "/api/v1/jobs/dead-letters?limit=500");
    expect(afterReplay.body.items.map((job: { id: string }) => job.id)).toContain(body.id);
  });

  it("fails a permanent error at once without retrying", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: -1, permanent: true } });
    const failed = await waitFor(() => stack.job(body.id), (job) => job.status === "failed");
    expect(failed.attempts).toBe(1);
    expect(failed.error?.type).toBe("PermanentError");
  });

  it("refuses to replay a job that has not failed", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "ok" } });
    await waitFor(() => stack.job(body.id), (job) => job.status === "succeeded");
    const replay = await stack.http("POST", `/api/v1/jobs/${body.id}/retry`);
    expect(replay.status).toBe(409);
    expect(replay.body.error.code).toBe("CONFLICT");
  });
});
