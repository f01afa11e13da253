import { EventCursor } from "../../shared/engine/events/event-cursor";

describe("EventCursor", () => {
  it("moves the checkpoint to the last id of a contiguous page", () => {
    const cursor = new EventCursor("10", 1_000);
    expect(cursor.advance(["11", "12", "13"], [], 0)).toBe("13");
    expect(cursor.after).toBe("13");
    expect(cursor.recheck).toEqual([]);
  });

  it("holds the checkpoint below a hole until the late event commits", () => {
    const cursor = new EventCursor("10", 1_000);
    expect(cursor.advance(["11", "13", "14"], [], 0)).toBe("11");
    expect(cursor.after).toBe("14");
    expect(cursor.recheck).toEqual(["12"]);
    // The transaction that took id 12 commits: the recheck finds it and the checkpoint catches up.
    expect(cursor.advance(["12", "15"], [], 100)).toBe("15");
    expect(cursor.recheck).toEqual([]);
  });

  it("gives a hole up after the grace period (a rolled-back transaction)", () => {
    const cursor = new EventCursor("0", 1_000);
    expect(cursor.advance(["1", "3"], [], 0)).toBe("1");
    expect(cursor.advance([], [], 999)).toBe("1");
    expect(cursor.advance([], [], 1_000)).toBe("3");
  });

  it("keeps failed events for retry without a deadline, and lets later ones pass", () => {
    const cursor = new EventCursor("0", 10);
    expect(cursor.advance(["1", "2", "3"], ["2"], 0)).toBe("1");
    expect(cursor.after).toBe("3");
    expect(cursor.advance(["2", "4"], ["2"], 1_000_000)).toBe("1");
    expect(cursor.recheck).toEqual(["2"]);
    expect(cursor.advance(["2"], [], 1_000_001)).toBe("4");
  });

  it("does not track a jump larger than maxGaps hole by hole", () => {
    const cursor = new EventCursor("0", 1_000, 100);
    expect(cursor.advance(["1000"], [], 0)).toBe("1000");
  });
});
