import type { ActionHandler, Context, Middleware } from "moleculer";
import { isDatabaseUnavailable, isRefusedData } from "../db/transient-errors";
import { ApiError, RETRY_AFTER_SECONDS } from "./api-errors";

/**
 * Turns Postgres failures that reach an action into what they mean for the caller: the database is
 * unreachable → 503 DATABASE_UNAVAILABLE (the gateway adds Retry-After), the request held values
 * Postgres cannot store → 422. Any other error passes through unchanged.
 */
export function DatabaseErrorsMiddleware(): Middleware {
  return {
    localAction(next: ActionHandler) {
      return async (ctx: Context) => {
        try {
          return await next(ctx);
        } catch (error) {
          if (error instanceof ApiError) throw error;
          if (isDatabaseUnavailable(error)) {
            throw new ApiError(503, "DATABASE_UNAVAILABLE", "The database is not reachable; try again shortly", {
              retryAfterSeconds: RETRY_AFTER_SECONDS,
            });
          }
          if (isRefusedData(error)) {
            throw new ApiError(422, "REFUSED_BY_DATABASE", `The database refused a value of the request: ${(error as Error).message}`);
          }
          throw error;
        }
      };
    },
  };
}
