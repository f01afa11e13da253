import type { Config } from "../../../config";

/**
 * What one document may cost a worker: pages and text extracted, a DOCX's inflated size (a zip bomb
 * is small on disk), and chunks (a tiny chunkSize on a large file would hold millions in memory).
 * Past any of them the document fails permanently with the limit named.
 */
export interface DocumentLimits {
  maxPages: number;
  maxTextChars: number;
  maxInflatedBytes: number;
  maxChunks: number;
}

export const documentLimitsFrom = (config: Config): DocumentLimits => ({
  maxPages: config.DOCUMENT_MAX_PAGES,
  maxTextChars: config.DOCUMENT_MAX_TEXT_CHARS,
  maxInflatedBytes: config.DOCUMENT_MAX_INFLATED_BYTES,
  maxChunks: config.DOCUMENT_MAX_CHUNKS,
});
