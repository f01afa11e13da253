/** Polls `check` every `pollMs` until it holds; a benchmark step that never finishes fails by name. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs: number, pollMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
