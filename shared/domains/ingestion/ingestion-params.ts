import { z } from "zod";

/** The parameters of the ingestion API (services/ingestion.service.ts); the OpenAPI document is generated from them. */

const jsonObject = z.record(z.unknown());

/** `POST /ingestion/jobs`: a provider by name; its options and filters are checked by the provider's own schemas. */
export const ingestionRequestSchema = (providerNames: [string, ...string[]]) =>
  z
    .object({
      provider: z.enum(providerNames),
      filters: jsonObject.default({}).describe("equals, ranges, dateField with since/until, limit (see docs/ingestion.md)"),
      options: jsonObject.default({}).describe("The provider's options (GET /ingestion/providers has their schema)"),
    })
    .strict();

export const ingestionIdParams = z.object({ id: z.string().uuid("must be an ingestion job id (uuid)") });
export const ingestionListParams = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().max(200).optional() })
  .strict();
export const recordsParams = ingestionListParams
  .extend({ source: z.string().min(1).max(500).optional(), runId: z.string().uuid().optional().describe("Records last written by this run") })
  .strict();
