/** Every public route is under this prefix: the gateway mounts its routes here, and answers link below it. */
export const API_PREFIX = "/api/v1";

/** A path under the API, like `apiPath("schedules", id)` → `/api/v1/schedules/<id>`. */
export const apiPath = (...segments: string[]): string => `${API_PREFIX}/${segments.join("/")}`;

/** Where a job's state is read: the `statusUrl` of every answer that names a job, and a 202's Location. */
export const jobStatusUrl = (jobId: string): string => apiPath("jobs", jobId);
