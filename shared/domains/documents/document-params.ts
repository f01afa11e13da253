import { z } from "zod";

/** The parameters of the documents API (services/documents.service.ts); the OpenAPI document is generated from them. */

export const documentIdParams = z.object({ id: z.string().uuid("must be a document id (uuid)") });
export const chunksParams = documentIdParams.extend({
  /** The last ordinal of the previous page (its nextCursor). */
  cursor: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const searchParams = z.object({
  q: z.string().trim().min(1, "must not be empty").max(2_000),
  k: z.coerce.number().int().min(1).max(50).default(5),
});
