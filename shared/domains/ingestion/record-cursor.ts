import { ApiError } from "../../http/api-errors";
import type { RecordCursor } from "../../db/ingestion/list-records";

/** The opaque `nextCursor` of the records list, ordered by (source, external id). */
export const encodeRecordCursor = (row: { source: string; external_id: string }): string =>
  Buffer.from(JSON.stringify([row.source, row.external_id])).toString("base64url");

/** A cursor this API returned; anything else is a 422. */
export function decodeRecordCursor(cursor: string): RecordCursor {
  try {
    const [source, externalId] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof source !== "string" || typeof externalId !== "string") throw new Error("bad cursor");
    return { source, externalId };
  } catch {
    throw new ApiError(422, "INVALID_CURSOR", "cursor is not one this API returned");
  }
}
