/**
 * What `conveyor` exits with, so scripts can tell a refused request from an outage or a failed job.
 * docs/cli.md lists them; never renumber one.
 */
export const EXIT = {
  ok: 0,
  /** Something unexpected (a bug, or an answer the command does not understand). */
  error: 1,
  /** Wrong flags or arguments, a missing CONVEYOR_API_KEY, or a confirmation that was not given. */
  usage: 2,
  /** The gateway refused the request (4xx other than below): invalid payload, unknown task, conflict. */
  refused: 3,
  /** The API key is missing, wrong or revoked (401/403). */
  unauthorized: 4,
  /** The job, schedule or queue does not exist (404). */
  notFound: 5,
  /** The gateway or its database could not be reached, or answered 5xx/503: try again later. */
  unavailable: 6,
  /** `--wait`: the job ended failed. */
  jobFailed: 10,
  /** `--wait`: the job ended cancelled. */
  jobCancelled: 11,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the command reports as one line on stderr and turns into its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
