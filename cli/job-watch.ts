import { EventSource } from "eventsource";
import type { PublicJob } from "../shared/db/jobs/job-record";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { CliError, EXIT } from "./exit-codes";
import type { GatewayClient } from "./gateway-client";

const EVENT_TYPES = ["scheduled", "queued", "running", "progress", "retrying", "succeeded", "failed", "cancelled"];
const TERMINAL = new Set(["succeeded", "failed", "cancelled"]);

/**
 * Follows one job's event stream (its whole history first, then live) until the job ends, and
 * resolves with the job as it ended. A dropped connection is resumed with Last-Event-ID by the
 * EventSource client, so a gateway restart while waiting loses no event.
 */
export function watchJob(client: GatewayClient, jobId: string, onUpdate: (update: JobUpdate) => void, timeoutMs?: number): Promise<PublicJob> {
  return new Promise((resolve, reject) => {
    const source = new EventSource(client.url(`/jobs/${jobId}/events`), {
      fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, ...client.headers } }),
    });
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => finish(new CliError(`Job ${jobId} did not end within ${timeoutMs} ms (it goes on; follow it with \`conveyor jobs get ${jobId}\`)`, EXIT.unavailable)), timeoutMs);
    const finish = (outcome: PublicJob | Error) => {
      clearTimeout(timer);
      source.close();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    for (const type of EVENT_TYPES) {
      source.addEventListener(type, (event) => {
        const update = JSON.parse(event.data) as JobUpdate;
        onUpdate(update);
        if (TERMINAL.has(update.type)) finish(update.job);
      });
    }
    source.onerror = (event) => {
      // 4xx answers are final (EventSource stops); network errors are retried by EventSource itself.
      const status = (event as { code?: number }).code;
      if (status === 401 || status === 403) finish(new CliError(`The event stream refused the API key (${status})`, EXIT.unauthorized));
      else if (status === 404) finish(new CliError(`Job ${jobId} not found`, EXIT.notFound));
      else if (status !== undefined && status >= 400 && status < 500) finish(new CliError(`The event stream answered ${status}`, EXIT.refused));
    };
  });
}
