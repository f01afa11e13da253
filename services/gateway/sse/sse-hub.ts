import type { JobUpdate } from "../../../shared/db/jobs/job-updates";
import type { SseClient } from "./sse-client";

/** The SSE clients connected to this gateway instance, by organization, fed by the notifier's broadcast. */
export class SseHub {
  private readonly byOrganization = new Map<string, Set<SseClient>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(client: SseClient): void {
    const organizationId = client.filter.organizationId;
    const clients = this.byOrganization.get(organizationId) ?? new Set<SseClient>();
    this.byOrganization.set(organizationId, clients);
    clients.add(client);
    this.count++;
    client.stream.on("close", () => {
      if (!clients.delete(client)) return;
      this.count--;
      if (clients.size === 0) this.byOrganization.delete(organizationId);
    });
  }

  publish(updates: JobUpdate[]): void {
    for (const update of updates) {
      const clients = this.byOrganization.get(update.job.organizationId);
      if (clients) for (const client of clients) client.offer(update);
    }
  }

  closeAll(): void {
    for (const clients of this.byOrganization.values()) for (const client of clients) client.close();
  }
}
