import type { Knex } from "knex";

export interface IngestedRecordRow {
  source: string;
  external_id: string;
  data: Record<string, unknown>;
  run_id: string;
  first_seen_at: Date;
  updated_at: Date;
}

/** Keyset position in the records list: the last record of the previous page. */
export interface RecordCursor {
  source: string;
  externalId: string;
}

/** The organization's records, ordered by source and external id, `limit` after the cursor. */
export async function listRecords(
  db: Knex,
  organizationId: string,
  filter: { source?: string; runId?: string },
  limit: number,
  after?: RecordCursor,
): Promise<IngestedRecordRow[]> {
  const query = db<IngestedRecordRow>("ingested_records")
    .select("source", "external_id", "data", "run_id", "first_seen_at", "updated_at")
    .where("organization_id", organizationId);
  if (filter.source) query.where("source", filter.source);
  if (filter.runId) query.where("run_id", filter.runId);
  if (after) query.whereRaw("(source, external_id) > (?, ?)", [after.source, after.externalId]);
  return query.orderBy(["source", "external_id"]).limit(limit);
}
