import { execFile } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import { probe, probeService } from "../support/probe-tasks";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

const run = promisify(execFile);
const POSTGRES_VERSION = process.env.PG_CLUSTER_VERSION ?? "15";
const restartPostgres = () => run("pg_ctlcluster", ["--skip-systemctl-redirect", POSTGRES_VERSION, "main", "restart"]);
const startPostgres = () => run("pg_ctlcluster", ["--skip-systemctl-redirect", POSTGRES_VERSION, "main", "start"]).catch(() => undefined);
const rabbitmqctl = (...args: string[]) => run("rabbitmqctl", args);

interface Reconciliation {
  statuses: Record<string, number>;
  /** Jobs with other than exactly one `succeeded` event. */
  notSucceededOnce: number;
}

/**
 * Faults an operator meets (a database restart, a broker restart, cancel + retry of a job that does
 * not stop) while jobs are in flight; each test accounts for every accepted job with SQL.
 */
describe("the engine under faults", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo"], extraServices: [probeService()] });
  });
  afterAll(async () => {
    await startPostgres();
    await rabbitmqctl("start_app").catch(() => undefined);
    await stack.stop();
  });

  /** Enqueues `batches` bulk requests of `size` jobs as a client would: a 503 is tried again after its Retry-After. */
  async function enqueueThrough(batches: number, size: number, problems: string[]): Promise<string[]> {
    const accepted: string[] = [];
    for (let batch = 0; batch < batches; batch++) {
      // 100 ms each: with the worker's prefetch of 200 the load takes seconds, so the fault meets it.
      const jobs = Array.from({ length: size }, () => ({ task: "demo.sleep", payload: { ms: 100 } }));
      for (;;) {
        const response = await stack.http("POST", "/api/v1/jobs/bulk", { jobs }).catch((error: Error) => ({ status: 0, body: { error: error.message }, headers: new Headers() }));
        if (response.status >= 200 && response.status < 300) {
          accepted.push(...response.body.jobs.map((job: { id: string }) => job.id));
          break;
        }
        if (response.status === 503) {
          if (!response.headers.get("retry-after")) problems.push("503 without Retry-After");
          if (typeof response.body?.error?.code !== "string") problems.push("503 without a JSON error body");
        } else problems.push(`answered ${response.status}: ${JSON.stringify(response.body)}`);
        await sleep(Number(response.headers.get("retry-after") ?? 1) * 250);
      }
    }
    return accepted;
  }

  async function reconcile(ids: string[]): Promise<Reconciliation> {
    const statusRows = await stack.db("jobs").whereIn("id", ids).select("status").count<{ status: string; count: string }[]>("* as count").groupBy("status");
    const { rows } = await stack.db.raw<{ rows: { count: string }[] }>(
      `SELECT count(*) AS count FROM unnest(?::uuid[]) AS i(id)
       WHERE (SELECT count(*) FROM job_events e WHERE e.job_id = i.id AND e.type = 'succeeded') <> 1`,
      [ids],
    );
    return { statuses: Object.fromEntries(statusRows.map((row) => [row.status, Number(row.count)])), notSucceededOnce: Number(rows[0]?.count) };
  }

  const unfinished = async (ids: string[]) =>
    Number((await stack.db("jobs").whereIn("id", ids).whereNotIn("status", ["succeeded", "failed", "cancelled"]).count<{ count: string }[]>("* as count"))[0].count);
  const allFinished = (ids: string[]) =>
    waitFor(
      () => stack.db("jobs").whereIn("id", ids).whereNotIn("status", ["succeeded", "failed", "cancelled"]).count<{ count: string }[]>("* as count"),
      (rows) => Number(rows[0].count) === 0,
      { timeoutMs: 90_000, intervalMs: 500 },
    );

  it("a Postgres restart while thousands of jobs are in flight fails none and runs none twice; the API answers 503 meanwhile", async () => {
    const problems: string[] = [];
    const first = await enqueueThrough(3, 1_000, problems);
    expect(await unfinished(first)).toBeGreaterThan(1_000);
    const restart = restartPostgres();
    const during = await enqueueThrough(1, 1_000, problems);
    await restart;
    const after = await enqueueThrough(1, 1_000, problems);
    const ids = [...first, ...during, ...after];
    expect(ids).toHaveLength(5_000);
    await allFinished(ids);
    expect(problems).toEqual([]);
    expect(await reconcile(ids)).toEqual({ statuses: { succeeded: 5_000 }, notSucceededOnce: 0 });
  });

  it("a RabbitMQ stop and start while jobs are in flight fails none and runs none twice", async () => {
    const problems: string[] = [];
    const first = await enqueueThrough(2, 1_000, problems);
    expect(await unfinished(first)).toBeGreaterThan(1_000);
    await rabbitmqctl("stop_app");
    const during = await enqueueThrough(1, 500, problems); // recorded; the sweeper publishes them
    await sleep(2_000);
    await rabbitmqctl("start_app");
    const after = await enqueueThrough(1, 500, problems);
    const ids = [...first, ...during, ...after];
    await allFinished(ids);
    expect(problems).toEqual([]);
    expect(await reconcile(ids)).toEqual({ statuses: { succeeded: 3_000 }, notSucceededOnce: 0 });
  });

  it("cancel + retry of a running job that ignores its abort leaves one live attempt; the stale outcome is refused", async () => {
    const { body } = await stack.http("POST", "/api/v1/jobs", { task: "probe.stubborn", payload: { ms: 1_500 } });
    await waitFor(() => stack.job(body.id), (job) => job.status === "running");
    expect((await stack.http("POST", `/api/v1/jobs/${body.id}/cancel`)).status).toBe(200);
    expect((await stack.http("POST", `/api/v1/jobs/${body.id}/retry`)).status).toBe(202);
    const done = await waitFor(() => stack.job(body.id), (job) => job.status === "succeeded", { timeoutMs: 15_000 });
    await sleep(500); // let a late write of the first run land, if one could
    expect(probe.runs.get(body.id)).toBe(2);
    expect(done.result).toEqual({ run: 2 });
    const events = await stack.db("job_events").where("job_id", body.id).orderBy("id").select<{ type: string; data: Record<string, unknown> }[]>("type", "data");
    expect(events.filter((event) => event.type === "succeeded")).toHaveLength(1);
    expect(events.filter((event) => event.type === "outcome_refused").map((event) => event.data)).toEqual([
      { claim: 1, currentClaim: 2, outcome: "succeeded" },
    ]);
    const row = await stack.db("jobs").where("id", body.id).first();
    expect(row).toMatchObject({ status: "succeeded", claims: 2, attempts: 1 });
  });

  it("one organization's requests the database would refuse fail alone: the other organization sees only 2xx", async () => {
    const otherOrganization = await createOrganization(stack.db, `refusing-${Date.now()}`);
    const otherKey = await createApiKey(stack.db, otherOrganization, "refusing");
    const refusing = (body: unknown) => stack.http("POST", "/api/v1/jobs", body, { authorization: `Bearer ${otherKey}` });
    const bad = [
      { task: "demo.echo", payload: { text: "nul \u0000 inside" } },
      { task: "demo.echo", payload: { text: "x" }, idempotencyKey: "key\u0000" },
      { task: "demo.echo", payload: { text: "x" }, timeLimitMs: 3e9 },
      // Passes every check before the INSERT and is refused by Postgres itself (a lone surrogate).
      { task: "demo.echo", payload: { text: "lone \ud800 surrogate" } },
    ];
    const good = Array.from({ length: 200 }, (_, index) => ({ task: "demo.echo", payload: { text: `good-${index}` } }));
    const [badAnswers, goodAnswers] = await Promise.all([
      Promise.all(Array.from({ length: 100 }, (_, index) => refusing(bad[index % bad.length]))),
      Promise.all(good.map((job) => stack.http("POST", "/api/v1/jobs", job))),
    ]);
    expect(goodAnswers.map((answer) => answer.status).filter((status) => status < 200 || status >= 300)).toEqual([]);
    expect(new Set(badAnswers.map((answer) => answer.status))).toEqual(new Set([422]));
    expect(new Set(badAnswers.map((answer) => answer.body.error.code))).toEqual(new Set(["VALIDATION_FAILED", "REFUSED_BY_DATABASE"]));
    const ids = goodAnswers.map((answer) => answer.body.id as string);
    await allFinished(ids);
    expect(await reconcile(ids)).toEqual({ statuses: { succeeded: 200 }, notSucceededOnce: 0 });
  });
});
