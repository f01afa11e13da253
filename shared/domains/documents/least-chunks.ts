import type { DocumentContentType } from "./document-types";

/** A UTF-8 character takes at most this many bytes, so a text file holds at least size / 4 characters. */
const MAX_UTF8_BYTES_PER_CHAR = 4;

/**
 * The fewest chunks a file makes, from its size alone, so an upload sure to pass DOCUMENT_MAX_CHUNKS
 * is refused before any work: a text file holds at least size / 4 characters (whitespace runs aside,
 * which are collapsed), and no chunk starts more than `chunkSize` after the one before. Other types'
 * text is known only once extracted (0 here).
 */
export function leastChunks(contentType: DocumentContentType, sizeBytes: number, chunkSize: number): number {
  const isText = contentType === "text/plain" || contentType === "text/markdown";
  return isText ? Math.floor(sizeBytes / MAX_UTF8_BYTES_PER_CHAR / chunkSize) : 0;
}
