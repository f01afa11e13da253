import { ReconnectBackoff, retryWithBackoff } from "../../shared/engine/retries/reconnect-backoff";

describe("ReconnectBackoff", () => {
  it("doubles its waits from the initial one up to the cap, each jittered into its upper half", () => {
    const backoff = new ReconnectBackoff({ initialMs: 100, maxMs: 1_000 });
    const delays = Array.from({ length: 6 }, () => backoff.nextDelay());
    const ceilings = [100, 200, 400, 800, 1_000, 1_000];
    delays.forEach((delay, index) => {
      expect(delay).toBeGreaterThanOrEqual(ceilings[index] / 2);
      expect(delay).toBeLessThanOrEqual(ceilings[index]);
    });
  });

  it("starts again from the initial wait after a reset", () => {
    const backoff = new ReconnectBackoff({ initialMs: 100, maxMs: 10_000 });
    for (let i = 0; i < 5; i++) backoff.nextDelay();
    backoff.reset();
    expect(backoff.nextDelay()).toBeLessThanOrEqual(100);
  });

  it("ends a wait at once when its signal aborts, answering false", async () => {
    // An hour's wait: only the abort can end it within the test's timeout.
    const backoff = new ReconnectBackoff({ initialMs: 3_600_000, maxMs: 3_600_000 });
    const stopping = new AbortController();
    const waited = backoff.wait(stopping.signal);
    stopping.abort();
    await expect(waited).resolves.toBe(false);
  });

  it("does not wait at all on a signal that has aborted already", async () => {
    const backoff = new ReconnectBackoff({ initialMs: 3_600_000, maxMs: 3_600_000 });
    await expect(backoff.wait(AbortSignal.abort())).resolves.toBe(false);
  });

  it("answers true after a wait that ran out", async () => {
    const backoff = new ReconnectBackoff({ initialMs: 2, maxMs: 2 });
    await expect(backoff.wait(new AbortController().signal)).resolves.toBe(true);
  });
});

describe("retryWithBackoff", () => {
  it("runs the attempt until it succeeds, reporting each failure", async () => {
    let calls = 0;
    const failures: string[] = [];
    const succeeded = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 3) throw new Error(`failure ${calls}`);
      },
      { initialMs: 1, maxMs: 2, signal: new AbortController().signal, onFailure: (error) => failures.push(error.message) },
    );
    expect(succeeded).toBe(true);
    expect(calls).toBe(3);
    expect(failures).toEqual(["failure 1", "failure 2"]);
  });

  it("gives up when cancelled, without another attempt", async () => {
    const stopping = new AbortController();
    let calls = 0;
    const succeeded = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Error("down");
      },
      { initialMs: 3_600_000, maxMs: 3_600_000, signal: stopping.signal, onFailure: () => stopping.abort() },
    );
    expect(succeeded).toBe(false);
    expect(calls).toBe(1);
  });
});

describe("retryWithBackoff with isTransient", () => {
  it("throws a failure that is not transient without trying again", async () => {
    let calls = 0;
    const attempt = retryWithBackoff(
      async () => {
        calls += 1;
        throw Object.assign(new Error("invalid input"), { code: "22P05" });
      },
      { initialMs: 1, maxMs: 2, signal: new AbortController().signal, onFailure: () => undefined, isTransient: (error) => (error as { code?: string }).code === "57P01" },
    );
    await expect(attempt).rejects.toThrow("invalid input");
    expect(calls).toBe(1);
  });
});
