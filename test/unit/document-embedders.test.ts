import { cosine, embedAll, Embedder } from "../../shared/domains/documents/embedder";
import { hashedEmbedder } from "../../shared/domains/documents/hashed-embedder";

const signal = new AbortController().signal;
const embed = async (text: string) => (await hashedEmbedder.embed([text], signal))[0];

describe("hashed embedder", () => {
  it("is deterministic and gives unit vectors of 512 dimensions", async () => {
    const [a, b] = await hashedEmbedder.embed(["The quick brown fox", "The quick brown fox"], signal);
    expect(a).toEqual(b);
    expect(a).toHaveLength(512);
    expect(Math.hypot(...a)).toBeCloseTo(1, 6);
  });

  it("scores texts sharing words above unrelated ones, ignoring case and stop words", async () => {
    const query = await embed("Glacier kayaking");
    const related = await embed("We went KAYAKING near the glacier, and it was cold.");
    const unrelated = await embed("Quarterly revenue grew in the retail segment.");
    expect(cosine(query, related)).toBeGreaterThan(0.4);
    expect(cosine(query, unrelated)).toBeLessThan(0.15);
    expect(cosine(await embed("the of and"), query)).toBe(0); // only stop words: a zero vector
  });

  it("is lexical: a synonym scores no better than an unrelated word", async () => {
    const car = await embed("car");
    expect(cosine(car, await embed("automobile"))).toBeLessThan(0.3);
  });
});

describe("embedAll", () => {
  it("embeds in batches of the embedder's size and stops when the signal fires", async () => {
    const batches: number[] = [];
    let controller = new AbortController();
    const counting: Embedder = {
      name: "counting",
      batchSize: 3,
      async embed(texts) {
        batches.push(texts.length);
        if (batches.length === 2) controller.abort(new Error("cancelled"));
        return texts.map((text) => [text.length]);
      },
    };
    const all = await embedAll(counting, ["a", "bb", "ccc", "dddd"], new AbortController().signal);
    expect(all.map((vector) => Array.from(vector))).toEqual([[1], [2], [3], [4]]);
    expect(batches).toEqual([3, 1]);
    batches.length = 0;
    controller = new AbortController();
    await expect(embedAll(counting, Array.from({ length: 10 }, () => "x"), controller.signal)).rejects.toThrow("cancelled");
    expect(batches).toEqual([3, 3]);
  });
});
