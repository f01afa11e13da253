import { z } from "zod";
import { PermanentError } from "../../engine/tasks/task-errors";

/** How a document is cut into chunks; the upload's `chunkSize` and `overlap` fields. */
export const chunkOptionsSchema = z
  .object({
    chunkSize: z.coerce.number().int().min(100).max(8000).default(500),
    overlap: z.coerce.number().int().min(0).default(50),
  })
  .refine(({ chunkSize, overlap }) => overlap <= chunkSize / 2, { message: "must be at most half of chunkSize", path: ["overlap"] });

export type ChunkOptions = z.infer<typeof chunkOptionsSchema>;

/**
 * Cuts text into chunks of at most `chunkSize` characters. A chunk ends at the last sentence end
 * (or line break) in its second half, else at the last space there, else mid-word; the next chunk
 * starts about `overlap` characters earlier, at the start of a word, so context crossing a cut is
 * found from either side. Whitespace runs are collapsed first (paragraph breaks are kept).
 */
export function chunkText(raw: string, { chunkSize, overlap }: ChunkOptions, maxChunks = Number.POSITIVE_INFINITY): string[] {
  // Only whitespace that changes is matched (runs, tabs, no-break spaces): replacing each of a
  // large text's millions of single spaces with itself would churn hundreds of MB of garbage.
  const text = raw.replace(/\r\n?/g, "\n").replace(/[^\S\n]{2,}|[^\S\n ]/g, " ").replace(/\s*\n\s*\n\s*/g, "\n\n").trim();
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(start + chunkSize, text.length);
    if (end < text.length) end = cutPoint(text, start + Math.floor(chunkSize / 2), end);
    const chunk = text.slice(start, end).trim();
    if (chunk) chunks.push(chunk);
    if (chunks.length > maxChunks) {
      throw new PermanentError(`The document makes more than ${maxChunks} chunks at chunkSize ${chunkSize} (DOCUMENT_MAX_CHUNKS): use a larger chunkSize`);
    }
    if (end >= text.length) break;
    start = Math.max(nextWordStart(text, end - overlap, end), start + 1);
  }
  return chunks;
}

const SENTENCE_MARKS = ".!?;:";
const CLOSERS = "\"')]";

/**
 * The best place to end a chunk between `from` and `to`: after the last sentence end (a mark, maybe
 * a closing quote or bracket, then whitespace) or line break, else at the last space, else `to`.
 * A character scan rather than a regex over a copied window: a large document has a hundred
 * thousand cuts, and their garbage would dominate the worker's memory.
 */
function cutPoint(text: string, from: number, to: number): number {
  let lastSpace = -1;
  for (let index = Math.min(to, text.length - 1); index > from; index--) {
    const char = text[index];
    if (char === "\n") return Math.min(index + 1, to);
    if (char !== " ") continue;
    const before = CLOSERS.includes(text[index - 1]) && index - 2 >= from ? text[index - 2] : text[index - 1];
    if (SENTENCE_MARKS.includes(before)) return Math.min(index + 1, to);
    if (lastSpace < 0) lastSpace = index;
  }
  return lastSpace > 0 ? lastSpace : to;
}

/** The first word start at or after `from` (but not past `limit`), so overlaps begin with a whole word. */
function nextWordStart(text: string, from: number, limit: number): number {
  if (from <= 0) return 0;
  if (/\s/.test(text[from - 1])) return from;
  for (let index = from; index < limit; index++) if (/\s/.test(text[index])) return index + 1;
  return from;
}
