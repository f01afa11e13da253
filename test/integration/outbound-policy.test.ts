import { sendJson, startRecordSource } from "../support/record-source";
import { startStack, Stack } from "../support/stack";
import { startReceiver } from "../support/webhook-receiver";
import { waitFor } from "../support/wait-for";

// 127.0.0.1 plays an internal service (refused: loopback); 127.0.0.2, on the operator's allowlist,
// plays a receiver the operator allows. Configuration is read when the stack starts.
process.env.OUTBOUND_ALLOWED_CIDRS = "127.0.0.2/32";
process.env.OUTBOUND_MAX_RESPONSE_BYTES = "100000";

interface Delivery {
  subscription_id: string | null;
  status: string;
  last_error: string | null;
}

const records = [{ id: "r1", name: "one" }, { id: "r2", name: "two" }];

describe("outbound policy: tenant-supplied URLs reach only what the policy allows", () => {
  let stack: Stack;
  let internal: Awaited<ReturnType<typeof startRecordSource>>;
  let allowed: Awaited<ReturnType<typeof startRecordSource>>;
  let internalPort: number;

  beforeAll(async () => {
    internal = await startRecordSource({ "/secrets": (_url, res) => sendJson(res, [{ id: "secret", name: "internal" }]) });
    internalPort = Number(new URL(internal.url).port);
    allowed = await startRecordSource(
      {
        "/records": (_url, res) => sendJson(res, records),
        // A redirect to the internal service: refused on the hop, not only at the start.
        "/to-internal": (_url, res) => res.writeHead(302, { location: `${internal.url}/secrets` }).end(),
        "/to-localhost": (_url, res) => res.writeHead(307, { location: `http://localhost:${internalPort}/secrets` }).end(),
        "/loop": (_url, res) => res.writeHead(302, { location: "/loop" }).end(),
        "/huge.csv": (_url, res) => res.writeHead(200, { "content-type": "text/csv" }).end(`id,name\n${"r,x\n".repeat(50_000)}`),
      },
      "127.0.0.2",
    );
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "webhooks", "ingestion"] });
  });
  afterAll(async () => {
    await stack.stop();
    await internal.close();
    await allowed.close();
  });

  const ingest = async (url: string) => stack.http("POST", "/api/v1/ingestion/jobs", { provider: "http", options: { url } });
  const finishedRun = (id: string) =>
    waitFor(
      async () => (await stack.http("GET", `/api/v1/ingestion/jobs/${id}`)).body,
      (run: { jobStatus: string; error: string | null }) => run.jobStatus === "succeeded" || run.jobStatus === "failed",
      { timeoutMs: 30_000 },
    );

  it("refuses a literal internal address at request time with 422, for every path", async () => {
    const literals = [
      `${internal.url}/secrets`,
      "http://169.254.169.254/latest/meta-data/",
      "http://[::1]:5672/",
      "http://[::ffff:127.0.0.1]/",
      "http://10.0.0.1/",
      "http://100.64.0.1/",
      "http://[fd00::1]/",
      "http://0.0.0.0/",
    ];
    for (const url of literals) {
      const ingestion = await ingest(url);
      expect({ url, status: ingestion.status }).toEqual({ url, status: 422 });
      expect(JSON.stringify(ingestion.body.error.details)).toContain("outbound policy");
      const subscription = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url });
      expect({ url, status: subscription.status }).toEqual({ url, status: 422 });
      const job = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "x" }, callbackUrl: url });
      expect({ url, status: job.status }).toEqual({ url, status: 422 });
      expect(job.body.error.details[0].path).toBe("callbackUrl");
    }
    expect(internal.requests).toEqual([]);
  });

  it("fails an ingestion run permanently when only resolution or a redirect shows the internal address", async () => {
    for (const url of [`http://localhost:${internalPort}/secrets`, `${allowed.url}/to-internal`, `${allowed.url}/to-localhost`]) {
      const created = await ingest(url);
      expect(created.status).toBe(202);
      const run = await finishedRun(created.body.id);
      expect(run).toMatchObject({ jobStatus: "failed" });
      expect(run.error).toMatch(/refused by the outbound policy: .*loopback/);
      const job = await stack.job(created.body.job.id);
      expect(job.attempts).toBe(1); // permanent: not retried
    }
    expect(internal.requests).toEqual([]);
    const stored = await stack.db("ingested_records").where({ organization_id: stack.organizationId, external_id: "secret" });
    expect(stored).toEqual([]);
  });

  it("reaches an allowlisted address, and bounds redirects and answer size", async () => {
    const ok = await finishedRun((await ingest(`${allowed.url}/records`)).body.id);
    expect(ok).toMatchObject({ jobStatus: "succeeded" });

    const loop = await finishedRun((await ingest(`${allowed.url}/loop`)).body.id);
    expect(loop).toMatchObject({ jobStatus: "failed" });
    expect(loop.error).toMatch(/redirected more than 5 times/);

    const huge = await stack.http("POST", "/api/v1/ingestion/jobs", { provider: "http", options: { url: `${allowed.url}/huge.csv`, format: "csv" } });
    expect(huge.status).toBe(202);
    const run = await finishedRun(huge.body.id);
    expect(run).toMatchObject({ jobStatus: "failed" });
    expect(run.error).toMatch(/more than 100000 bytes/);
  });

  it("delivers webhooks and callbacks to an allowlisted receiver and refuses one that resolves to loopback", async () => {
    const receiver = await startReceiver([200], "127.0.0.2");
    const hidden = await startReceiver([200]);
    try {
      const hiddenPort = new URL(hidden.url).port;
      const good = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: receiver.url, eventTypes: ["succeeded"], task: "demo.echo" });
      const bad = await stack.http("POST", "/api/v1/webhooks/subscriptions", { url: `http://localhost:${hiddenPort}/hook`, eventTypes: ["succeeded"], task: "demo.echo" });
      expect([good.status, bad.status]).toEqual([201, 201]);
      const job = await stack.http("POST", "/api/v1/jobs", { task: "demo.echo", payload: { text: "hi" }, callbackUrl: `http://localhost:${hiddenPort}/callback` });
      expect(job.status).toBe(202);
      const deliveries = await waitFor(
        () => stack.db("webhook_deliveries").where({ job_id: job.body.id }),
        (rows: Delivery[]) => rows.length === 3 && rows.every((row) => row.status !== "pending"),
        { timeoutMs: 30_000 },
      );
      const bySubscription = new Map(deliveries.map((row) => [row.subscription_id, row]));
      expect(bySubscription.get(good.body.id)).toMatchObject({ status: "succeeded", last_status_code: 200 });
      for (const refused of [bySubscription.get(bad.body.id), bySubscription.get(null)]) {
        expect(refused).toMatchObject({ status: "failed", attempts: 1, last_status_code: null });
        expect(refused?.last_error).toMatch(/refused by the outbound policy: .*loopback/);
      }
      expect(receiver.requests).toHaveLength(1);
      expect(hidden.requests).toEqual([]);
    } finally {
      await receiver.close();
      await hidden.close();
    }
  });
});
