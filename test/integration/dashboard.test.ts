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

const SCREENSHOT = path.join(__dirname, "..", "..", "docs", "dashboard.png");
/** The committed screenshot is rewritten only on request, so test runs leave the tree clean. */
const writeScreenshot = !existsSync(SCREENSHOT) || process.env.UPDATE_SCREENSHOTS === "1";

// Skipped only on a developer machine without Chromium; on CI (CI set) a missing Chromium fails.
const describeInBrowser = browserTestsEnabled() ? describe : describe.skip;

describeInBrowser("dashboard in headless Chromium", () => {
  let stack: Stack;
  let browser: BrowserSession;
  beforeAll(async () => {
    stack = await startStack({ services: ["gateway", "auth", "jobs", "demo", "notifier"] });
    await waitFor(() => stack.broker.call<{ leader: boolean }>("notifier.status"), (status) => status.leader);
    browser = await launchBrowser({ width: 1280, height: 900 });
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
    const png = await page.screenshot(writeScreenshot ? { path: SCREENSHOT } : {});
    expect(png.length).toBeGreaterThan(0);
  });
});
