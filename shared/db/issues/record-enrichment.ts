import type { Knex } from "knex";
import { pgArray } from "../pg-array";

export interface EnrichmentResult {
  summary: string;
  tags: string[];
  enricher: string;
}

/**
 * Writes the summary and tags computed for `version`, only while the issue still has that version:
 * a slow job for an old text never overwrites the results for a newer one. Says whether it wrote.
 */
export async function recordEnrichment(
  db: Knex,
  organizationId: string,
  id: string,
  version: number,
  result: EnrichmentResult,
): Promise<boolean> {
  const written = await db("issues")
    .where({ id, organization_id: organizationId, version })
    .update({
      ai_summary: result.summary,
      tags: pgArray(result.tags),
      enricher: result.enricher,
      enriched_version: version,
      enriched_at: db.fn.now(),
    });
  return written === 1;
}
