import { z } from "zod";

/** The parameters of the issues API (services/enrichment.service.ts); the OpenAPI document is generated from them. */

/** Enough for any real issue; the gateway's BODY_LIMIT bounds the request as a whole. */
const MAX_BODY_BYTES = 64 * 1024;

const title = z.string().trim().min(1, "must not be empty").max(300);
const body = z
  .string()
  .refine((text) => Buffer.byteLength(text, "utf8") <= MAX_BODY_BYTES, `must be at most ${MAX_BODY_BYTES} bytes (64 KB)`);
const labels = z.array(z.string().trim().min(1).max(50)).max(20);
const oneOrMany = z
  .union([z.string().min(1).max(100), z.array(z.string().min(1).max(100)).max(20)])
  .transform((value) => (Array.isArray(value) ? value : [value]));

export const issueIdParams = z.object({ id: z.string().uuid("must be an issue id (uuid)") });
export const issueCreateParams = z
  .object({ title, body: body.default(""), labels: labels.default([]), author: z.string().trim().min(1).max(200).nullable().default(null) })
  .strict();
export const issueUpdateParams = issueIdParams
  .extend({ title: title.optional(), body: body.optional(), labels: labels.optional() })
  .strict()
  .refine(({ title, body, labels }) => title !== undefined || body !== undefined || labels !== undefined, {
    message: "give at least one of title, body, labels",
  });
export const issueListParams = z
  .object({
    tag: oneOrMany.optional(),
    label: oneOrMany.optional(),
    enriched: z.enum(["true", "false"]).transform((value) => value === "true").or(z.boolean()).optional(),
    q: z.string().min(1).max(300).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
