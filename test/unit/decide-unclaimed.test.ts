import { decideUnclaimed } from "../../shared/engine/worker/worker";
import type { UnclaimedJob } from "../../shared/db/jobs/claim-jobs";

const now = new Date("2026-01-01T00:00:00Z");
const job = (overrides: Partial<UnclaimedJob>): UnclaimedJob => ({
  id: "00000000-0000-4000-8000-000000000001",
  status: "queued",
  attempts: 0,
  max_attempts: 3,
  run_at: null,
  lease_expires_at: null,
  now,
  ...overrides,
});
const later = (ms: number) => new Date(now.getTime() + ms);

describe("decideUnclaimed", () => {
  it("drops messages of finished jobs", () => {
    for (const status of ["succeeded", "failed", "cancelled"] as const) {
      expect(decideUnclaimed(job({ status }))).toEqual({ action: "drop" });
    }
  });

  it("sends a message round again until a live lease has run out", () => {
    expect(decideUnclaimed(job({ status: "running", attempts: 1, lease_expires_at: later(1_000) }))).toEqual({
      action: "delay",
      delayMs: 1_250,
    });
  });

  it("delays a job that is not due yet", () => {
    expect(decideUnclaimed(job({ status: "scheduled", run_at: later(5_000) }))).toEqual({ action: "delay", delayMs: 5_000 });
    expect(decideUnclaimed(job({ status: "retrying", attempts: 1, run_at: later(300) }))).toEqual({ action: "delay", delayMs: 300 });
  });

  it("sends a due job straight back when it became due after the claim ran", () => {
    expect(decideUnclaimed(job({ status: "retrying", attempts: 1, run_at: later(-5) }))).toEqual({ action: "delay", delayMs: 0 });
    expect(decideUnclaimed(job({ status: "running", attempts: 1, lease_expires_at: later(-5) }))).toEqual({ action: "delay", delayMs: 0 });
  });

  it("fails a job whose last attempt lost its worker", () => {
    expect(decideUnclaimed(job({ status: "running", attempts: 3, lease_expires_at: later(-1) }))).toEqual({
      action: "fail",
      attempt: 3,
    });
  });
});
