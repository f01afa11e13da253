/**
 * Every name a message travels under between processes, in one place: the Moleculer events Conveyor
 * emits and the Postgres NOTIFY channels it listens on. docs/events.md describes who sends and who
 * receives each.
 */

// Moleculer events.

/**
 * Emitted by the notifier for every committed job transition, with the job's public view. Balanced:
 * each subscribing service receives each update once, however many replicas it runs.
 */
export const JOB_UPDATED = "job.updated";
/** `job.<type>` (job.succeeded, job.failed, …): the same updates, by transition type. Balanced. */
export const jobTypeEvent = (type: string) => `job.${type}`;
/** Broadcast and batched: every gateway instance receives every update, for SSE fan-out. Internal. */
export const JOB_UPDATES_BROADCAST = "conveyor.job.updates";
/** Broadcast by the jobs service when a job is cancelled, so the worker running it aborts at once. */
export const JOB_CANCELLED_EVENT = "conveyor.job.cancelled";
/**
 * Emitted (balanced) by the `ai.notify_issue_created` job for every new issue, with an `IssueCreated`
 * (shared/domains/enrichment/issue-created.ts). At least once: a subscriber that must not act twice
 * remembers `issue.id`.
 */
export const ISSUE_CREATED = "issue.created";

// Postgres NOTIFY channels.

/** Every job transition NOTIFYs here in its own statement, with a comma list of job_events ids. */
export const JOB_EVENTS_CHANNEL = "conveyor_job_events";
/** Every change a scheduler must follow NOTIFYs here in its own statement, with the schedule id. */
export const SCHEDULE_CHANGES_CHANNEL = "conveyor_schedule_changes";
