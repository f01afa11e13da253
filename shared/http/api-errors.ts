import { Errors } from "moleculer";
import type { ZodIssue } from "zod";

/**
 * Errors that reach API clients. They are Moleculer client errors, so they keep their HTTP status
 * (`code`), machine-readable code (`type`) and details across the transporter; the gateway renders
 * them as `{ error: { code, message, details } }`.
 */
export class ApiError extends Errors.MoleculerClientError {
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message, status, code, details);
  }
}

export const validationFailed = (message: string, issues: ZodIssue[]) =>
  new ApiError(
    422,
    "VALIDATION_FAILED",
    message,
    issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  );

export const notFound = (what: string) => new ApiError(404, "NOT_FOUND", `${what} not found`);

/** An organization already holds as many of something as its cap allows (the setting is named). */
export const limitReached = (what: string, limit: number, setting: string) =>
  new ApiError(422, "LIMIT_REACHED", `An organization may have at most ${limit} ${what} (${setting})`, { limit });

export const unauthorized = (message = "A valid API key is required (Authorization: Bearer <key>)") =>
  new ApiError(401, "UNAUTHORIZED", message);

/** Seconds a client is told to wait (Retry-After) before it tries a 503 again. */
export const RETRY_AFTER_SECONDS = 2;

export const conflict = (message: string) => new ApiError(409, "CONFLICT", message);
