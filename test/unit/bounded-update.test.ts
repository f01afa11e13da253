import type { JobUpdate } from "../../shared/db/jobs/job-updates";
import { batchesWithin, boundedUpdate, INLINE_FIELD_BYTES } from "../../shared/engine/events/bounded-update";

const update = (id: string, payload: unknown, result: unknown = null): JobUpdate =>
  ({ id, type: "succeeded", data: {}, at: new Date(0).toISOString(), job: { id: `job-${id}`, payload, result } }) as unknown as JobUpdate;

describe("bounded job updates", () => {
  it("keeps small payloads and results inline", () => {
    const small = update("1", { text: "hi" }, { ok: true });
    expect(boundedUpdate(small)).toBe(small);
  });

  it("leaves a large payload or result out and names it", () => {
    const large = "x".repeat(INLINE_FIELD_BYTES + 1);
    const bounded = boundedUpdate(update("1", { large }, { small: 1 }));
    expect(bounded.omitted).toEqual(["payload"]);
    expect(bounded.job.payload).toBeNull();
    expect(bounded.job.result).toEqual({ small: 1 });
    expect(boundedUpdate(update("2", { large }, { large })).omitted).toEqual(["payload", "result"]);
  });

  it("splits updates into batches within the byte budget, in order", () => {
    const updates = Array.from({ length: 10 }, (_, n) => update(String(n), { text: "y".repeat(1_000) }));
    const batches = batchesWithin(updates, 3_500);
    expect(batches.flat().map((item) => item.id)).toEqual(updates.map((item) => item.id));
    for (const batch of batches) expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(3_500 + batch.length);
    expect(batches.length).toBeGreaterThan(3);
    // One update over the budget travels alone.
    expect(batchesWithin([update("a", "z".repeat(5_000)), update("b", 1)], 1_000)).toHaveLength(2);
  });
});
