/**
 * Errors a task may throw to steer its retries. Anything else that a task throws is retried while
 * attempts remain, unless the task lists `retryOn` (then only those classes are).
 */

/** A failure worth retrying: network blips, 429s, 5xx answers, timeouts. */
export class TransientError extends Error {
  override name = "TransientError";
}

/** A failure no retry can fix (bad input, a missing record): the job fails at once. */
export class PermanentError extends Error {
  override name = "PermanentError";
  constructor(
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** The attempt ran past the task's hard time limit; retried per the task's policy. */
export class TimeLimitExceededError extends Error {
  override name = "TimeLimitExceededError";
}

/** Reason given to the AbortSignal when the soft time limit passes: the task should wrap up. */
export class SoftTimeLimitExceededError extends Error {
  override name = "SoftTimeLimitExceededError";
}

/** Reason given to the AbortSignal when the job was cancelled. */
export class JobCancelledError extends Error {
  override name = "JobCancelledError";
}

/** Reason given to the AbortSignal when the worker stops before the attempt finished; it is retried. */
export class WorkerShutdownError extends Error {
  override name = "WorkerShutdownError";
}
