/**
 * Moleculer events the notifier emits for every job transition (see docs/events.md):
 *
 * - `job.updated` and `job.<type>` (job.succeeded, job.failed, …): balanced. Each subscribing
 *   service receives each update once, however many replicas it runs. For business reactions.
 * - `conveyor.job.updates`: broadcast, batched. Every gateway instance receives every update, for
 *   SSE fan-out. Internal.
 */
export const JOB_UPDATED = "job.updated";
export const jobTypeEvent = (type: string) => `job.${type}`;
export const JOB_UPDATES_BROADCAST = "conveyor.job.updates";
