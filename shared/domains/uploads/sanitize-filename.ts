import path from "node:path";

const MAX_FILENAME_LENGTH = 200;

/**
 * A client's filename made safe to show and to log: the last path segment only (either slash style),
 * no control characters, no leading dots, at most 200 characters with the extension kept. It is never
 * used as a path: stored files get generated names.
 */
export function sanitizeFilename(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? "";
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").replace(/^[.\s]+/, "").trim();
  if (cleaned.length <= MAX_FILENAME_LENGTH) return cleaned || "unnamed";
  const extension = path.extname(cleaned).slice(0, 20);
  return cleaned.slice(0, MAX_FILENAME_LENGTH - extension.length) + extension;
}
