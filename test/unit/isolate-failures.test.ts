import { writeIsolatingFailures } from "../../shared/lib/isolate-failures";

const bad = (value: number) => value % 7 === 3;
const isolates = (error: unknown) => (error as Error).message === "bad item";

describe("writeIsolatingFailures", () => {
  it("writes every good item and reports each bad one alone", async () => {
    const written: number[] = [];
    const failed: number[] = [];
    const items = Array.from({ length: 40 }, (_, index) => index);
    await writeIsolatingFailures(
      items,
      async (group) => {
        if (group.some(bad)) throw new Error("bad item");
        written.push(...group);
      },
      { isolates, onItemFailure: (item) => void failed.push(item) },
    );
    expect(failed).toEqual(items.filter(bad));
    expect(written.sort((a, b) => a - b)).toEqual(items.filter((item) => !bad(item)));
  });

  it("writes a clean batch in one call", async () => {
    let calls = 0;
    await writeIsolatingFailures([1, 2, 4], async () => void (calls += 1), { isolates, onItemFailure: () => undefined });
    expect(calls).toBe(1);
  });

  it("throws a failure that is not the items' fault for the whole batch", async () => {
    const failed: number[] = [];
    const write = writeIsolatingFailures(
      [1, 2, 3],
      async () => {
        throw new Error("database down");
      },
      { isolates, onItemFailure: (item) => void failed.push(item) },
    );
    await expect(write).rejects.toThrow("database down");
    expect(failed).toEqual([]);
  });
});
