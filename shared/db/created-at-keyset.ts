import type { Knex } from "knex";

/** Keyset position in a newest-first list: the last row of the previous page. */
export interface CreatedAtCursor {
  createdAt: Date;
  id: string;
}

/**
 * Restricts a newest-first (created_at, id) list of one organization to the rows after the cursor.
 * The cursor's time has milliseconds and created_at microseconds (the rows of one bulk insert share
 * one): the cursor row's own created_at, read by its id, is the exact position, and the cursor's time
 * stands in if that row is gone. Without this, a page that ended inside such a batch skipped the
 * rest of it.
 */
export function whereAfterCursor(query: Knex.QueryBuilder, table: "jobs" | "issues" | "ingestion_runs", organizationId: string, after: CreatedAtCursor): void {
  query.whereRaw(
    `(${table}.created_at, ${table}.id) < (coalesce((SELECT created_at FROM ${table} WHERE id = ? AND organization_id = ?), ?), ?)`,
    [after.id, organizationId, after.createdAt, after.id],
  );
}
