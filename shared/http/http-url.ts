import { z } from "zod";

/** A URL Conveyor will POST to (job callbacks, webhook subscriptions): http or https only. */
export const httpUrlSchema = z
  .string()
  .max(2_000)
  .url()
  .refine((url) => /^https?:\/\//i.test(url), "must be an http(s) URL");
