import { chunkOptionsSchema, chunkText } from "../../shared/domains/documents/chunk-text";

const words = (count: number) => Array.from({ length: count }, (_, index) => `word${index}`).join(" ");

describe("chunkText", () => {
  it("keeps every chunk within chunkSize and cuts at sentence ends when it can", () => {
    const sentence = "This sentence is exactly about sixty characters long, or so. ";
    const chunks = chunkText(sentence.repeat(30), { chunkSize: 200, overlap: 0 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(200);
      expect(chunk.endsWith(".")).toBe(true);
      expect(chunk.startsWith("This")).toBe(true);
    }
  });

  it("cuts between words, never inside one, when there is no sentence end", () => {
    const chunks = chunkText(words(500), { chunkSize: 100, overlap: 0 });
    for (const chunk of chunks) {
      expect(chunk).toMatch(/^word\d+( word\d+)*$/);
      expect(chunk.length).toBeLessThanOrEqual(100);
    }
    expect(chunks.join(" ")).toBe(words(500));
  });

  it("repeats about `overlap` characters of the previous chunk, starting at a word", () => {
    const chunks = chunkText(words(500), { chunkSize: 120, overlap: 30 });
    for (let index = 1; index < chunks.length; index++) {
      const firstWord = chunks[index].split(" ")[0];
      expect(chunks[index - 1].split(" ")).toContain(firstWord);
      const shared = chunks[index - 1].slice(chunks[index - 1].indexOf(` ${firstWord} `) + 1);
      expect(shared.length).toBeLessThanOrEqual(30);
      expect(shared.length).toBeGreaterThan(10);
    }
  });

  it("splits a word longer than a chunk rather than looping", () => {
    const chunks = chunkText("x".repeat(450), { chunkSize: 100, overlap: 20 });
    expect(chunks.every((chunk) => chunk.length <= 100)).toBe(true);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
  });

  it("collapses whitespace, keeps paragraph breaks, and gives nothing for blank text", () => {
    expect(chunkText("a   b\t\tc\r\n\r\n\r\nd", { chunkSize: 100, overlap: 0 })).toEqual(["a b c\n\nd"]);
    expect(chunkText(" \n\t ", { chunkSize: 100, overlap: 0 })).toEqual([]);
    expect(chunkText("one\ttwo\u00a0three \t four", { chunkSize: 100, overlap: 0 })).toEqual(["one two three four"]);
  });
});

describe("chunkOptionsSchema", () => {
  it("defaults to 500/50 and refuses sizes out of range or an overlap over half the chunk", () => {
    expect(chunkOptionsSchema.parse({})).toEqual({ chunkSize: 500, overlap: 50 });
    expect(chunkOptionsSchema.parse({ chunkSize: "1000", overlap: "500" })).toEqual({ chunkSize: 1000, overlap: 500 });
    for (const bad of [{ chunkSize: 99 }, { chunkSize: 8001 }, { chunkSize: 500, overlap: 251 }, { overlap: -1 }, { chunkSize: "1.5e3x" }]) {
      expect(chunkOptionsSchema.safeParse(bad).success).toBe(false);
    }
  });
});
