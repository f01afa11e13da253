import type { z } from "zod";
import { validationFailed } from "./api-errors";

/** Parses action params with a zod schema; a mismatch is a 422 listing every issue. */
export function parseParams<Schema extends z.ZodTypeAny>(schema: Schema, params: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw validationFailed("Invalid request", parsed.error.issues);
  return parsed.data;
}
