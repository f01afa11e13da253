import type { Embedder } from "./embedder";
import { normalize } from "./embedder";

const DIMENSIONS = 512;

/** Words too common to say anything about a text; they would only add noise to every vector. */
const STOP_WORDS = new Set(
  "a an and are as at be but by for from has have he her his i in is it its of on or our she so that the their them they this to was we were what when which who will with you your".split(
    " ",
  ),
);

/** FNV-1a, 32 bits: a fast, stable string hash (the same word lands in the same dimension everywhere). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The built-in, offline embedder: feature hashing of lower-cased words and word pairs into 512
 * dimensions, weighted by log term frequency, L2-normalised. It is lexical, not semantic: chunks score
 * high when they share words with the query ("car" does not find "automobile"). There is no corpus at
 * embedding time, so instead of IDF a stop-word list drops the most common words. Deterministic, fast,
 * and needs no network or model files.
 */
export const hashedEmbedder: Embedder = {
  name: `hashed-tf-${DIMENSIONS}`,
  batchSize: 256,
  async embed(texts) {
    return texts.map(embedOne);
  },
};

function embedOne(text: string): number[] {
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).filter((word) => !STOP_WORDS.has(word));
  const counts = new Map<string, number>();
  for (let index = 0; index < words.length; index++) {
    counts.set(words[index], (counts.get(words[index]) ?? 0) + 1);
    if (index > 0) {
      const pair = `${words[index - 1]} ${words[index]}`;
      counts.set(pair, (counts.get(pair) ?? 0) + 0.5); // pairs count half: they refine, words decide
    }
  }
  const vector = new Array<number>(DIMENSIONS).fill(0);
  for (const [term, count] of counts) {
    const hash = fnv1a(term);
    // The sign bit spreads collisions around zero instead of letting them pile up.
    vector[hash % DIMENSIONS] += (hash & 0x80000000 ? -1 : 1) * (1 + Math.log(count));
  }
  return normalize(vector);
}
