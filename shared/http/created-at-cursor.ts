import type { CreatedAtCursor } from "../db/created-at-keyset";
import { ApiError } from "./api-errors";

/** The opaque `nextCursor` of lists ordered by (created_at, id) descending: jobs, issues. */
export const encodeCursor = (row: { created_at: Date; id: string }): string =>
  Buffer.from(JSON.stringify({ createdAt: row.created_at.toISOString(), id: row.id })).toString("base64url");

/** A cursor this API returned; anything else is a 422. */
export function decodeCursor(cursor: string): CreatedAtCursor {
  try {
    const { createdAt, id } = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as Record<string, string>;
    const date = new Date(createdAt);
    if (Number.isNaN(date.getTime()) || typeof id !== "string") throw new Error("bad cursor");
    return { createdAt: date, id };
  } catch {
    throw new ApiError(422, "INVALID_CURSOR", "cursor is not one this API returned");
  }
}
