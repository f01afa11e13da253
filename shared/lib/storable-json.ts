/** Deeper than this and a payload is refused: nothing a task takes needs it, and it costs the parser. */
export const MAX_JSON_DEPTH = 64;

/**
 * Why Postgres would refuse to store `value` as jsonb, or undefined when it would not: jsonb holds no
 * NUL character (U+0000) in a string or key. Checked before a batched INSERT so a bad request gets
 * its own 422 instead of failing the statement it shares with other requests.
 */
export function unstorableJsonReason(value: unknown, path = "payload", depth = 0): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? `${path} holds a NUL character (\\u0000), which Postgres cannot store` : undefined;
  if (typeof value !== "object" || value === null) return undefined;
  if (depth >= MAX_JSON_DEPTH) return `${path} is nested deeper than ${MAX_JSON_DEPTH} levels`;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes("\u0000")) return `a key in ${path} holds a NUL character (\\u0000), which Postgres cannot store`;
    const reason = unstorableJsonReason(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, depth + 1);
    if (reason) return reason;
  }
  return undefined;
}
