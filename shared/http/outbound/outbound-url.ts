import { z } from "zod";
import { outboundPolicy } from "./outbound-policy";

/**
 * A URL a tenant gives Conveyor to call (job callbacks, webhook subscriptions, ingestion sources):
 * http or https, and not an address the outbound policy refuses when the URL names it literally.
 * Host names are checked again where they resolve, at connect time (outbound-fetch.ts).
 */
export const outboundUrlSchema = z
  .string()
  .max(2_000)
  .url()
  .refine((url) => /^https?:\/\//i.test(url), "must be an http(s) URL")
  .superRefine((url, ctx) => {
    if (!/^https?:\/\//i.test(url)) return;
    const refusal = outboundPolicy().refusalForUrl(url);
    if (refusal) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `is refused by the outbound policy: ${refusal}` });
  });
