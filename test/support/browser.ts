import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { BrowserContext, chromium, Page } from "playwright-core";

/** Debian's Chromium (apt-get install chromium); `npm test` installs it first (scripts/ensure-chromium.sh). */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/**
 * Whether the browser tests run here. Without Chromium they are skipped on a developer machine, but on
 * CI (CI set) they must run, so a missing Chromium fails there instead of passing silently.
 */
export function browserTestsEnabled(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) return true; // launchBrowser fails with a clear message
  console.warn(`Skipping browser tests: ${CHROMIUM_PATH} is missing (install it with: apt-get install -y chromium)`);
  return false;
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox", // tests run as root in containers, where Chromium's sandbox cannot start
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  // No traffic but the page's own: the machine has no internet, and updates/sync would only wait on it.
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Headless Chromium with a fresh profile (deleted on close), and one page of the given size. */
export async function launchBrowser(viewport = { width: 1280, height: 900 }): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing; install Debian's chromium (npm test does it as root: scripts/ensure-chromium.sh)`);
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), "conveyor-chromium-"));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport,
      timeout: 30_000,
    });
    context.setDefaultTimeout(15_000);
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      async close() {
        await context.close().catch(() => undefined);
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
}
