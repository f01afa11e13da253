/** Postgres error codes that mean "nothing is wrong with the statement; run it again". */
const RETRYABLE_CODES = new Set(["40P01" /* deadlock_detected */, "40001" /* serialization_failure */]);
const ATTEMPTS = 4;

const isRetryable = (error: unknown) =>
  typeof error === "object" && error !== null && RETRYABLE_CODES.has((error as { code?: string }).code ?? "");

/**
 * Runs a statement again when Postgres aborted it to break a deadlock: concurrent batched updates can
 * lock the same rows in different orders, and giving up would hand the batch's messages back to the
 * broker for no reason.
 */
export async function retryOnConflict<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (!isRetryable(error) || attempt >= ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
