import { isDatabaseUnavailable, isTransientDatabaseError } from "../../db/transient-errors";
import { retryWithBackoff } from "./reconnect-backoff";

/** Waits between tries of a statement while Postgres is unreachable. */
export const DATABASE_BACKOFF = { initialMs: 100, maxMs: 5_000 };

/**
 * Runs a statement until Postgres answers it, waiting out outages (backoff up to 5 s) and trying
 * conflicts (deadlocks, serialization failures) again. Resolves false when `signal` aborted first;
 * any other failure is thrown. `onOutage` hears about each try that found the database away.
 */
export function untilDatabaseAnswers(
  statement: () => Promise<void>,
  options: { signal: AbortSignal; onOutage(error: Error): void },
): Promise<boolean> {
  return retryWithBackoff(statement, {
    ...DATABASE_BACKOFF,
    signal: options.signal,
    isTransient: isTransientDatabaseError,
    onFailure: (error) => {
      if (isDatabaseUnavailable(error)) options.onOutage(error);
    },
  });
}
