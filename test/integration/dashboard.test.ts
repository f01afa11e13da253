import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { browserTestsEnabled, BrowserSession, launchBrowser } from "../support/browser";
import { startStack, Stack } from "../support/stack";
import { waitFor } from "../support/wait-for";

interface JobEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** Where a committed screenshot goes; written only when missing or on request, so test runs leave the tree clean. */
function screenshotPath(name: string): string | undefined {
  const file = path.join(__dirname, "..", "..", "docs", name);
  return !existsSync(file) || process.env.UPDATE_SCREENSHOTS === "1" ? file : undefined;
}

// Skipped only on a developer machine without Chromium; on CI (CI set) a missing Chromium fails.
const describeInBrowser = browserTestsEnabled() ? describe : describe.skip;

describeInBrowser("dashboard in headless Chromium", () => {
  let stack: Stack;
  let browser: BrowserSession;
  /** What Chromium refused under the page's Content-Security-Policy (uPlot included): should stay empty. */
  const refused: string[] = [];
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier", "schedules"] });
    await waitFor(() => stack.broker.call<{ leader: boolean }>("notifier.status"), (status) => status.leader);
    browser = await launchBrowser({ width: 1280, height: 900 });
    browser.page.on("console", (message) => void (message.text().includes("Content Security Policy") && refused.push(message.text())));
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const enqueue = async (body: object) => {
    const response = await stack.http("POST", "/api/v1/jobs", body);
    expect(response.status).toBe(202);
    return response.body as { id: string };
  };
  const eventsOf = async (id: string) => (await stack.http("GET", `/api/v1/jobs/${id}/events`)).body.items as JobEvent[];
  /** Polls a DOM text in the page (each read bounded by the context's default timeout). */
  const textOf = (selector: string) => () => browser.page.locator(selector).first().textContent();
  /** Polls a numeric data-* attribute (0 until it is set). */
  const numberOf = (selector: string, attribute: string) => async () => Number(await browser.page.locator(selector).getAttribute(`data-${attribute}`));
  const jobRows = () => browser.page.locator("#jobs tbody tr.job-row");
  /** Fills the jobs search and sends it, as a user would (Enter in a field). */
  const searchJobs = async (fields: Record<string, string>) => {
    const form = browser.page.locator("#job-filters");
    await form.locator("button[type=reset]").click();
    for (const [name, value] of Object.entries(fields)) await form.locator(`[name=${name}]`).fill(value);
    await form.locator("button[type=submit]").click();
  };

  it("asks for the API key, answers a rejected key with a 401 message, then shows queues and workers", async () => {
    const { page } = browser;
    await page.goto(`${stack.baseUrl}/dashboard`);
    // A stored key that the gateway rejects sends the user back to the key form.
    await page.evaluate('localStorage.setItem("conveyor.apiKey", "cvy_not-a-real-key")');
    await page.reload();
    await page.locator("#key-form").waitFor({ state: "visible" });
    await page.locator("#error", { hasText: "401" }).waitFor({ state: "visible" });

    await page.fill("#api-key", "cvy_still-wrong");
    await page.click("#key-form button[type=submit]");
    await page.locator("#error", { hasText: "rejected (401)" }).waitFor({ state: "visible" });
    expect(await page.locator("#dashboard").isHidden()).toBe(true);

    await page.fill("#api-key", stack.apiKey);
    await page.click("#key-form button[type=submit]");
    await page.locator('#stream-state[data-state="live"]').waitFor();
    await page.locator('#queues tr[data-queue="default"]').waitFor();
    await page.locator("#workers td", { hasText: "demo.sleep" }).first().waitFor();
    expect(await page.locator("#error").isHidden()).toBe(true);
    expect(await page.evaluate('localStorage.getItem("conveyor.apiKey")')).toBe(stack.apiKey);
  });

  it("shows a job going from queued/running to succeeded live, without a reload", async () => {
    const { page } = browser;
    await page.evaluate("window.__sameDocument = true"); // gone if the page reloads
    const job = await enqueue({ task: "demo.sleep", payload: { ms: 1500 } });
    const status = `#jobs tr[data-job-id="${job.id}"] .status`;

    const early = await waitFor(textOf(status), (text) => text === "queued" || text === "running", { timeoutMs: 10_000 });
    expect(["queued", "running"]).toContain(early);
    await waitFor(textOf(status), (text) => text === "succeeded", { timeoutMs: 20_000 });
    expect(await page.evaluate("window.__sameDocument === true")).toBe(true);

    // The per-queue rate counts it, from the same stream.
    await waitFor(textOf('#queues tr[data-queue="default"] .rate-succeeded'), (text) => Number(text) >= 1, { timeoutMs: 5_000 });
  });

  it("lists a dead-lettered job and replays it with its Replay button", async () => {
    const { page } = browser;
    const job = await enqueue({ task: "demo.fail", payload: { failTimes: -1, permanent: true } });
    const row = page.locator(`#dead-letters tr[data-job-id="${job.id}"]`);
    await row.waitFor({ state: "visible", timeout: 20_000 });
    await row.locator("button.action-replay").click();

    const history = await waitFor(
      () => eventsOf(job.id),
      (events) => events.filter((event) => event.type === "running").length >= 2,
      { timeoutMs: 20_000 },
    );
    const replayAt = history.findIndex((event) => event.type === "queued" && event.data.replay === true);
    expect(replayAt).toBeGreaterThan(0);
    const rerun = history.slice(replayAt).find((event) => event.type === "running");
    expect(rerun?.data.attempt).toBe(1); // a fresh set of attempts, run again
    const replayed = await waitFor(() => stack.job(job.id), (current) => current.status === "failed", { timeoutMs: 20_000 });
    expect(replayed.attempts).toBe(1);
  });

  it("cancels an unfinished job with its Cancel button, after a confirmation", async () => {
    const { page } = browser;
    const job = await enqueue({ task: "demo.sleep", payload: { ms: 60_000 } });
    const status = `#jobs tr[data-job-id="${job.id}"] .status`;
    await waitFor(textOf(status), (text) => text === "running", { timeoutMs: 10_000 });
    page.once("dialog", (dialog) => void dialog.accept());
    await page.locator(`#jobs tr[data-job-id="${job.id}"] button.action-cancel`).click();
    await waitFor(textOf(status), (text) => text === "cancelled", { timeoutMs: 10_000 });
    expect((await stack.job(job.id)).status).toBe("cancelled");
  });

  it("draws throughput and latency charts that gain data points as jobs run, per queue or for all", async () => {
    const { page } = browser;
    const throughput = "#throughput-chart";
    await page.locator(`${throughput} canvas`).waitFor();
    expect(await page.locator(`${throughput} .u-legend`).textContent()).toMatch(/started.*succeeded.*failed/);
    const started = await numberOf(throughput, "started")();
    const succeeded = await numberOf(throughput, "succeeded")();
    const failed = await numberOf(throughput, "failed")();

    const bulk = await stack.http("POST", "/api/v1/jobs/bulk", {
      jobs: [...Array.from({ length: 5 }, (_, n) => ({ task: "demo.echo", payload: { text: `chart ${n}` } })), { task: "demo.fail", payload: { failTimes: -1, permanent: true } }],
    });
    expect(bulk.status).toBe(202);
    // The charts refresh every 5 s from GET /stats/queues.
    await waitFor(numberOf(throughput, "started"), (n) => n >= started + 6, { timeoutMs: 20_000 });
    await waitFor(numberOf(throughput, "succeeded"), (n) => n >= succeeded + 5, { timeoutMs: 20_000 });
    await waitFor(numberOf(throughput, "failed"), (n) => n >= failed + 1, { timeoutMs: 20_000 });
    expect(await numberOf("#latency-chart", "points")()).toBeGreaterThanOrEqual(1);

    // One queue at a time: every job so far went to "default", none to "ai".
    await page.selectOption("#chart-queue", "default");
    expect(await numberOf(throughput, "started")()).toBeGreaterThanOrEqual(started + 6);
    await page.selectOption("#chart-queue", "ai");
    expect(await numberOf(throughput, "started")()).toBe(0);
    await page.selectOption("#chart-queue", "");
    const png = await page.locator("#charts").screenshot({ path: screenshotPath("dashboard-charts.png") });
    expect(png.length).toBeGreaterThan(0);
    expect(refused).toEqual([]); // the chart library runs under the strict CSP
  });

  it("searches jobs by payload content and by id, and adds new matches live", async () => {
    const { page } = browser;
    const needle = `needle-${randomUUID()}`;
    const match = await enqueue({ task: "demo.echo", payload: { text: needle, customer: { id: 42, tier: "gold" } } });
    const other = await enqueue({ task: "demo.echo", payload: { text: "hay", customer: { id: 43, tier: "gold" } } });
    await waitFor(() => stack.job(other.id), (job) => job.status === "succeeded");

    await searchJobs({ payload: JSON.stringify({ text: needle }) });
    await page.locator(`#jobs tr[data-job-id="${match.id}"]`).waitFor();
    expect(await jobRows().count()).toBe(1);
    await searchJobs({ payload: JSON.stringify({ customer: { id: 43 } }) }); // nested fields
    await page.locator(`#jobs tr[data-job-id="${other.id}"]`).waitFor();
    expect(await jobRows().count()).toBe(1);

    await searchJobs({ id: match.id });
    await page.locator(`#jobs tr[data-job-id="${match.id}"]`).waitFor();
    expect(await jobRows().count()).toBe(1);

    // While a search is shown, a new job that matches it appears live; one that does not stays out.
    const later = `later-${randomUUID()}`;
    await searchJobs({ payload: JSON.stringify({ text: later }) });
    await page.locator("#jobs td.empty").waitFor();
    const outsider = await enqueue({ task: "demo.echo", payload: { text: "not it" } });
    const newcomer = await enqueue({ task: "demo.echo", payload: { text: later } });
    await waitFor(textOf(`#jobs tr[data-job-id="${newcomer.id}"] .status`), (text) => text === "succeeded", { timeoutMs: 20_000 });
    expect(await page.locator(`#jobs tr[data-job-id="${outsider.id}"]`).count()).toBe(0);

    await searchJobs({ payload: "[1, 2]" });
    await page.locator("#error", { hasText: "payload must be a JSON object" }).waitFor();
    await page.locator("#job-filters button[type=reset]").click();
    await page.locator("#error").waitFor({ state: "hidden" });
  });

  it("shows each schedule's next run, and lists the jobs it fired", async () => {
    const { page } = browser;
    const created = await stack.http("POST", "/api/v1/schedules", { name: `hourly-${randomUUID().slice(0, 8)}`, task: "demo.echo", payload: { text: "tick" }, intervalMs: 3_600_000 });
    expect(created.status).toBe(201);
    const fired = await stack.http("POST", `/api/v1/schedules/${created.body.id}/run`);
    expect(fired.status).toBe(202);
    await enqueue({ task: "demo.echo", payload: { text: "tick" } }); // same task and payload, no schedule

    await page.reload(); // the schedules list is read when the dashboard opens (then every 30 s)
    const row = page.locator(`#schedules tr[data-schedule-id="${created.body.id}"]`);
    await row.waitFor();
    expect(await row.locator(".next-run time").getAttribute("datetime")).toBe(created.body.nextRunAt);
    expect(await row.locator(".next-run").textContent()).toMatch(/in (59|60) min/);
    await row.locator("button.action-jobs").click();
    await page.locator(`#jobs tr[data-job-id="${fired.body.job.id}"]`).waitFor();
    expect(await jobRows().count()).toBe(1);
    await page.locator("#job-filters button[type=reset]").click();
  });

  it("shows paused queues, concurrency keys and throttles in the Flow control panel, and resumes a queue", async () => {
    const { page } = browser;
    expect((await stack.http("POST", "/api/v1/queues/ai/pause")).status).toBe(200);
    // Scheduled an hour out: they wait (and count) without running; the key is user data, shown as text.
    const keyName = "<b>tenant-7</b>";
    const keyed = await enqueue({ task: "demo.echo", payload: { text: "keyed" }, delayMs: 3_600_000, concurrency: { key: keyName, limit: 2 }, throttle: { key: keyName, limit: 5, periodMs: 60_000 } });
    const stored = `org:${stack.organizationId}:${keyName}`;

    const panel = page.locator("#flow-control");
    const pausedRow = panel.locator('.paused-queues tr[data-queue="ai"]');
    await pausedRow.waitFor({ timeout: 15_000 }); // polled every 5 s
    const keyRow = panel.locator(".concurrency-keys tbody tr").filter({ has: page.locator(`td[title="${stored}"]`) });
    await keyRow.waitFor({ timeout: 15_000 });
    expect(await keyRow.locator("td").allTextContents()).toEqual([keyName, "organization", "0 / 2", "1"]);
    const throttleRow = panel.locator(".throttles tbody tr").filter({ has: page.locator(`td[title="${stored}"]`) });
    expect(await throttleRow.locator("td").allTextContents()).toEqual([keyName, "organization", "0 / 5", "60 s", "1"]);
    expect(await panel.locator("b").count()).toBe(0); // escaped, not markup

    await pausedRow.locator("button.action-resume").click();
    await pausedRow.waitFor({ state: "detached", timeout: 10_000 });
    expect((await stack.http("GET", "/api/v1/queues")).body.items.find((item: { queue: string }) => item.queue === "ai").paused).toBe(false);
    expect((await stack.http("DELETE", `/api/v1/jobs/${keyed.id}`)).status).toBe(200);
  });

  it("pages through a long list with Load more", async () => {
    const { page } = browser;
    const tag = `page-${randomUUID()}`;
    // One bulk insert: the jobs share one created_at, so the cursor must hold its place within it.
    const bulk = await stack.http("POST", "/api/v1/jobs/bulk", { jobs: Array.from({ length: 60 }, (_, n) => ({ task: "demo.echo", payload: { text: tag, n } })) });
    expect(bulk.status).toBe(202);
    await searchJobs({ payload: JSON.stringify({ text: tag }) });
    await waitFor(() => jobRows().count(), (count) => count === 50);
    await page.locator("#load-more").click();
    await waitFor(() => jobRows().count(), (count) => count === 60);
    await page.locator("#load-more").waitFor({ state: "hidden" });
    const shown = await Promise.all((await jobRows().all()).map((row) => row.getAttribute("data-job-id")));
    expect(shown.sort()).toEqual(bulk.body.jobs.map((job: { id: string }) => job.id).sort());
    await page.locator("#job-filters button[type=reset]").click();
    await page.locator("#load-more").waitFor({ state: "visible" }); // the whole list again, long enough for another page
  });

  it("shows a job's detail with escaped data and its events timeline", async () => {
    const { page } = browser;
    const markup = "<img src=x onerror=window.__injected=1>";
    const job = await enqueue({ task: "demo.echo", payload: { text: markup } });
    const row = page.locator(`#jobs tr[data-job-id="${job.id}"]`);
    await waitFor(textOf(`#jobs tr[data-job-id="${job.id}"] .status`), (text) => text === "succeeded", { timeoutMs: 20_000 });
    await row.click();

    const detail = page.locator("#job-detail");
    await detail.locator(".timeline li", { hasText: "succeeded" }).waitFor();
    expect(await detail.locator(".timeline strong").allTextContents()).toEqual(["queued", "running", "succeeded"]);
    expect(await detail.locator(".detail-payload").textContent()).toContain(markup);
    expect(await detail.locator(".detail-result").textContent()).toContain(markup);
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.evaluate("window.__injected === undefined")).toBe(true);

    await page.keyboard.press("Escape");
    await detail.waitFor({ state: "hidden" });
    await page.evaluate("window.scrollTo(0, 0)");
    const png = await page.screenshot({ path: screenshotPath("dashboard.png") });
    expect(png.length).toBeGreaterThan(0);
  });
});
