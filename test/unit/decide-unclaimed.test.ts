import { decideUnclaimed, HELD_BACK_RETRY_MS } from "../../shared/engine/worker/worker";
import type { UnclaimedJob } from "../../shared/db/jobs/claim-jobs";

const now = new Date("2026-01-01T00:00:00Z");
const job = (overrides: Partial<UnclaimedJob>): UnclaimedJob => ({
  id: "00000000-0000-4000-8000-000000000001",
  status: "queued",
  attempts: 0,
  max_attempts: 3,
  claims: 0,
  interruptions: 0,
  held_back: null,
  run_at: null,
  lease_expires_at: null,
  now,
  ...overrides,
});
const later = (ms: number) => new Date(now.getTime() + ms);
const MAX_INTERRUPTIONS = 5;
const decide = (unclaimed: UnclaimedJob) => decideUnclaimed(unclaimed, MAX_INTERRUPTIONS);

describe("decideUnclaimed", () => {
  it("drops messages of finished jobs", () => {
    for (const status of ["succeeded", "failed", "cancelled"] as const) {
      expect(decide(job({ status }))).toEqual({ action: "drop" });
    }
  });

  it("sends a message round again until a live lease has run out", () => {
    expect(decide(job({ status: "running", attempts: 1, lease_expires_at: later(1_000) }))).toEqual({
      action: "delay",
      delayMs: 1_250,
    });
  });

  it("delays a job that is not due yet", () => {
    expect(decide(job({ status: "scheduled", run_at: later(5_000) }))).toEqual({ action: "delay", delayMs: 5_000 });
    expect(decide(job({ status: "retrying", attempts: 1, run_at: later(300) }))).toEqual({ action: "delay", delayMs: 300 });
  });

  it("sends a due job straight back when it became due after the claim ran", () => {
    expect(decide(job({ status: "retrying", attempts: 1, run_at: later(-5) }))).toEqual({ action: "delay", delayMs: 0 });
    expect(decide(job({ status: "running", attempts: 1, lease_expires_at: later(-5) }))).toEqual({ action: "delay", delayMs: 0 });
  });

  it("sends a job whose last attempt lost its worker round again: the claim takes it over as an interruption", () => {
    expect(decide(job({ status: "running", attempts: 3, claims: 3, interruptions: 4, lease_expires_at: later(-1) }))).toEqual({ action: "delay", delayMs: 0 });
  });

  it("sends a due job held back by a paused queue or a full concurrency key round again after a pause, not at once", () => {
    expect(decide(job({ held_back: "paused" }))).toEqual({ action: "delay", delayMs: HELD_BACK_RETRY_MS });
    expect(decide(job({ held_back: "concurrency", status: "retrying", attempts: 1 }))).toEqual({ action: "delay", delayMs: HELD_BACK_RETRY_MS });
  });

  it("fails a job whose worker was lost more often than the interruption limit", () => {
    expect(decide(job({ status: "running", attempts: 2, claims: 9, interruptions: MAX_INTERRUPTIONS, lease_expires_at: later(-1) }))).toEqual({
      action: "fail",
      attempt: 2,
      claim: 9,
    });
  });

  it("drops the message of a waiting job with no attempts left, which no claim can take", () => {
    expect(decide(job({ status: "queued", attempts: 3 }))).toEqual({ action: "drop" });
  });
});
