import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

/** The value of one Prometheus sample whose name starts with `name` and whose labels include all of `labels`. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split("\n")) {
    if (!line.startsWith(name) || line.startsWith("#")) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(" ") + 1));
    }
  }
  return 0;
}

describe("/metrics", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack.stop();
  });

  const scrape = async () => {
    const response = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${process.env.METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    return response.text();
  };

  it("exposes job counters and durations that move as jobs run", async () => {
    const labels = { task: "demo.fail", queue: "default" };
    const before = await scrape();
    await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: 1 } });
    await stack.http("POST", "/api/v1/jobs", { task: "demo.fail", payload: { failTimes: -1, permanent: true } });

    // The queue gauges refresh every 10 s: the first refresh may have run before the worker consumed.
    const after = await waitFor(
      scrape,
      (text) =>
        sample(text, "conveyor_jobs_succeeded_total", labels) > sample(before, "conveyor_jobs_succeeded_total", labels) &&
        sample(text, "conveyor_jobs_failed_total", labels) > sample(before, "conveyor_jobs_failed_total", labels) &&
        /^conveyor_queue_consumers\{[^}]*queue="default"[^}]*\} [1-9]/m.test(text),
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    const delta = (name: string, extra: Record<string, string> = {}) =>
      sample(after, name, { ...labels, ...extra }) - sample(before, name, { ...labels, ...extra });
    expect(delta("conveyor_jobs_enqueued_total")).toBe(2);
    expect(delta("conveyor_jobs_started_total")).toBe(3);
    expect(delta("conveyor_jobs_retried_total")).toBe(1);
    expect(delta("conveyor_jobs_succeeded_total")).toBe(1);
    expect(delta("conveyor_jobs_failed_total")).toBe(1);
    // Moleculer's reporter writes no _count for a histogram without quantiles; the +Inf bucket is the count.
    expect(delta("conveyor_jobs_duration_seconds_bucket", { le: "+Inf" })).toBe(3);
    expect(after).toMatch(/^conveyor_sse_clients/m);
    expect(after).toMatch(/^conveyor_queue_consumers\{[^}]*queue="default"[^}]*\} [1-9]/m);
    expect(after).toMatch(/^conveyor_queue_dead\{[^}]*queue="default"/m);
    expect(after).toMatch(/# TYPE conveyor_jobs_duration_seconds histogram/);
    // Operators' numbers name tasks and queues, never a tenant.
    expect(after).not.toContain(stack.organizationId);
    expect(after).not.toMatch(/organization/i);
  });

  it("answers /metrics only with the operator's token", async () => {
    expect((await fetch(`${stack.baseUrl}/metrics`)).status).toBe(401);
    expect((await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).status).toBe(401);
  });
});
