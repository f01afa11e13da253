import { AGING_EVERY, StartGate } from "../../shared/engine/worker/start-gate";

function gateWith(limit: number) {
  const started: string[] = [];
  const releases: (() => void)[] = [];
  const gate = new StartGate<string>(limit, (item, release) => {
    started.push(item);
    releases.push(release);
  });
  /** The earliest started item still running is over. */
  const finishOne = () => (releases.shift() as () => void)();
  return { gate, started, releases, finishOne };
}

describe("StartGate", () => {
  it("starts at most `limit` at once, and the next one when a slot is released", () => {
    const { gate, started, finishOne } = gateWith(2);
    ["a", "b", "c"].forEach((item) => gate.offer(item, 0));
    expect(started).toEqual(["a", "b"]);
    expect(gate.waiting).toBe(1);
    finishOne();
    expect(started).toEqual(["a", "b", "c"]);
    expect(gate.waiting).toBe(0);
  });

  it("gives a free slot to the highest priority held, oldest first within a priority", () => {
    const { gate, started, finishOne } = gateWith(1);
    gate.offer("running", 0);
    gate.offer("low-1", 0);
    gate.offer("low-2", 0);
    gate.offer("mid", 5);
    gate.offer("high-1", 10);
    gate.offer("high-2", 10);
    for (let i = 0; i < 5; i += 1) finishOne();
    expect(started).toEqual(["running", "high-1", "high-2", "mid", "low-1", "low-2"]);
  });

  it(`takes the longest-waiting job every ${AGING_EVERY}th start, so a stream of urgent jobs never starves the rest`, () => {
    const { gate, started, finishOne } = gateWith(1);
    gate.offer("running", 0);
    gate.offer("low", 0);
    for (let i = 0; i < 3 * AGING_EVERY; i += 1) {
      gate.offer(`high-${i}`, 10);
      finishOne();
    }
    const lowAt = started.indexOf("low");
    expect(lowAt).toBeGreaterThan(0);
    expect(lowAt).toBeLessThan(AGING_EVERY);
  });

  it("frees a slot once however often its release is called", () => {
    const { gate, started, releases } = gateWith(1);
    ["a", "b", "c"].forEach((item) => gate.offer(item, 0));
    const releaseA = releases[0];
    releaseA();
    releaseA();
    expect(started).toEqual(["a", "b"]);
    expect(gate.waiting).toBe(1);
  });

  it("starts nothing more once closed", () => {
    const { gate, started, finishOne } = gateWith(1);
    gate.offer("a", 0);
    gate.offer("b", 0);
    gate.close();
    finishOne();
    expect(started).toEqual(["a"]);
    expect(gate.waiting).toBe(1);
  });
});
