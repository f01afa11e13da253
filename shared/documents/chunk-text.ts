import { z } from "zod";

/** How a document is cut into chunks; the upload's `chunkSize` and `overlap` fields. */
export const chunkOptionsSchema = z
  .object({
    chunkSize: z.coerce.number().int().min(100).max(8000).default(500),
    overlap: z.coerce.number().int().min(0).default(50),
  })
  .refine(({ chunkSize, overlap }) => overlap <= chunkSize / 2, { message: "must be at most half of chunkSize", path: ["overlap"] });

export type ChunkOptions = z.infer<typeof chunkOptionsSchema>;

const SENTENCE_END = /[.!?;:]["')\]]?\s|\n/g;

/**
 * Cuts text into chunks of at most `chunkSize` characters. A chunk ends at the last sentence end
 * (or line break) in its second half, else at the last space there, else mid-word; the next chunk
 * starts about `overlap` characters earlier, at the start of a word, so context crossing a cut is
 * found from either side. Whitespace runs are collapsed first (paragraph breaks are kept).
 */
export function chunkText(raw: string, { chunkSize, overlap }: ChunkOptions): string[] {
  const text = raw.replace(/\r\n?/g, "\n").replace(/[^\S\n]+/g, " ").replace(/\s*\n\s*\n\s*/g, "\n\n").trim();
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + chunkSize, text.length);
    if (end < text.length) end = cutPoint(text, start + Math.floor(chunkSize / 2), end);
    const chunk = text.slice(start, end).trim();
    if (chunk) chunks.push(chunk);
    if (end >= text.length) break;
    start = Math.max(nextWordStart(text, end - overlap, end), start + 1);
  }
  return chunks;
}

/** The best place to end a chunk between `from` and `to`: after a sentence, else at a space, else `to`. */
function cutPoint(text: string, from: number, to: number): number {
  const window = text.slice(from, to + 1);
  let sentenceEnd = -1;
  for (const match of window.matchAll(SENTENCE_END)) sentenceEnd = (match.index ?? 0) + match[0].length;
  if (sentenceEnd > 0) return Math.min(from + sentenceEnd, to);
  const space = window.lastIndexOf(" ");
  return space > 0 ? from + space : to;
}

/** The first word start at or after `from` (but not past `limit`), so overlaps begin with a whole word. */
function nextWordStart(text: string, from: number, limit: number): number {
  if (from <= 0) return 0;
  if (/\s/.test(text[from - 1])) return from;
  for (let index = from; index < limit; index++) if (/\s/.test(text[index])) return index + 1;
  return from;
}
