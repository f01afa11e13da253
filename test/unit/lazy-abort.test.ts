import { LazyAbort } from "../../shared/engine/worker/lazy-abort";

describe("LazyAbort", () => {
  it("gives a live signal that a later abort fires, with its reason", () => {
    const abort = new LazyAbort();
    const signal = abort.signal;
    const seen: unknown[] = [];
    signal.addEventListener("abort", () => seen.push(signal.reason));
    expect(signal.aborted).toBe(false);
    abort.abort("first");
    abort.abort("second");
    expect(seen).toEqual(["first"]);
    expect(abort.signal).toBe(signal);
  });

  it("gives an already aborted signal, with the first reason, when aborted before anyone looked", () => {
    const abort = new LazyAbort();
    abort.abort("first");
    abort.abort("second");
    expect(abort.signal.aborted).toBe(true);
    expect(abort.signal.reason).toBe("first");
  });
});
