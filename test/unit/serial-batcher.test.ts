import { SerialBatcher } from "../../shared/lib/serial-batcher";

describe("SerialBatcher", () => {
  it("keeps one flush in flight and gathers what arrives meanwhile into the next batch", async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const batcher = new SerialBatcher<number>(
      async (items) => {
        batches.push(items);
        if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      100,
      0,
      () => undefined,
    );
    batcher.add(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (let i = 2; i <= 5; i++) batcher.add(i);
    expect(batches).toEqual([[1]]);
    release();
    await batcher.drain();
    expect(batches).toEqual([[1], [2, 3, 4, 5]]);
  });

  it("splits at the maximum batch size", async () => {
    const sizes: number[] = [];
    const batcher = new SerialBatcher<number>(async (items) => void sizes.push(items.length), 3, 0, () => undefined);
    for (let i = 0; i < 7; i++) batcher.add(i);
    await batcher.drain();
    expect(sizes).toEqual([3, 3, 1]);
  });

  it("hands a failed batch to the error handler and goes on", async () => {
    const failed: number[][] = [];
    const flushed: number[][] = [];
    const batcher = new SerialBatcher<number>(
      async (items) => {
        if (items.includes(1)) throw new Error("boom");
        flushed.push(items);
      },
      1,
      0,
      (_error, items) => failed.push(items),
    );
    batcher.add(1);
    batcher.add(2);
    await batcher.drain();
    expect(failed).toEqual([[1]]);
    expect(flushed).toEqual([[2]]);
  });
});
