import type { Knex } from "knex";

/**
 * Links the issue to the job enriching `version`, unless the issue has moved past that version (an
 * edit's own job, linked by then, must stay the latest).
 */
export async function setEnrichmentJob(
  db: Knex,
  organizationId: string,
  id: string,
  version: number,
  jobId: string,
): Promise<void> {
  await db("issues").where({ id, organization_id: organizationId, version }).update({ enrichment_job_id: jobId });
}
