/** What an enricher reads: the issue's own text. */
export interface IssueText {
  title: string;
  body: string;
}

/** What an enricher produces for an issue. */
export interface Enrichment {
  summary: string;
  tags: string[];
}

/**
 * Turns an issue's text into a summary and tags. Implementations throw `TransientError` for
 * failures worth retrying (network, timeouts, 429, 5xx) and `PermanentError` for those that are not.
 */
export interface Enricher {
  /** Stored with the results, so a reader knows which enricher wrote them. */
  readonly name: string;
  enrich(issue: IssueText, signal: AbortSignal): Promise<Enrichment>;
}

export const MAX_TAGS = 5;
export const MAX_SUMMARY_CHARS = 600;

/** A tag as stored: lower-case words joined by `-`, letters, digits and `.+#` kept (c++, c#, node.js). */
export function normalizeTag(raw: string): string {
  return raw
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^a-z0-9.+#]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 40);
}

/** Normalised, non-empty, first occurrence kept, at most MAX_TAGS. */
export function normalizeTags(raw: readonly string[]): string[] {
  const tags: string[] = [];
  for (const candidate of raw) {
    const tag = normalizeTag(candidate);
    if (tag.length >= 2 && !tags.includes(tag)) tags.push(tag);
    if (tags.length === MAX_TAGS) break;
  }
  return tags;
}

/** Whitespace collapsed, cut at a word boundary with an ellipsis when longer than the limit. */
export function trimSummary(text: string, maxChars = MAX_SUMMARY_CHARS): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= maxChars) return flat;
  const cut = flat.slice(0, maxChars - 1);
  const lastSpace = cut.lastIndexOf(" ");
  return `${(lastSpace > maxChars / 2 ? cut.slice(0, lastSpace) : cut).replace(/[\s,;:.]+$/, "")}…`;
}
