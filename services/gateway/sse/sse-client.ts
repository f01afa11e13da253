import { PassThrough } from "node:stream";
import type { JobUpdate } from "../../../shared/db/jobs/job-updates";
import { TERMINAL_STATUSES, JobStatus } from "../../../shared/db/jobs/job-record";
import { RecentIds } from "../../../shared/engine/events/recent-ids";

export interface StreamFilter {
  organizationId: string;
  jobId?: string;
  task?: string;
  queue?: string;
  statuses?: JobStatus[];
}

export interface SseClientOptions {
  filter: StreamFilter;
  heartbeatMs: number;
  /** Jobs whose latest state may wait for a slow client before it is cut off (it reconnects and replays). */
  maxPendingJobs: number;
  /** End the stream after the job's terminal event (single-job streams). */
  closeOnTerminal: boolean;
}

/** Bytes a client may have unread in its socket before it counts as slow. */
const HIGH_WATER_BYTES = 64 * 1024;
/**
 * Event ids remembered per client: an event replayed from Postgres can still arrive live afterwards
 * (the notifier is a little behind the table), and must not be sent twice.
 */
const SENT_IDS_REMEMBERED = 5_000;

export function matches(filter: StreamFilter, update: JobUpdate): boolean {
  const job = update.job;
  return (
    job.organizationId === filter.organizationId &&
    (!filter.jobId || job.id === filter.jobId) &&
    (!filter.task || job.task === filter.task) &&
    (!filter.queue || job.queue === filter.queue) &&
    (!filter.statuses?.length || filter.statuses.includes(job.status))
  );
}

/** Every client of a gateway gets the same update object: serialise it once, not once per client. */
const formatted = new WeakMap<JobUpdate, string>();

export function formatEvent(update: JobUpdate): string {
  let text = formatted.get(update);
  if (text === undefined) {
    text = `id: ${update.id}\nevent: ${update.type}\ndata: ${JSON.stringify(update)}\n\n`;
    formatted.set(update, text);
  }
  return text;
}

/**
 * One SSE connection. Writes go straight to the socket while it keeps up; when it falls behind,
 * updates are coalesced to the latest one per job (a slow client gets each job's current state, not
 * every step), and past `maxPendingJobs` the client is disconnected so it cannot hold memory hostage.
 */
export class SseClient {
  readonly stream = new PassThrough();
  private readonly pending = new Map<string, JobUpdate>();
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly sent = new RecentIds(SENT_IDS_REMEMBERED);
  /** Events held back while the client's history is being replayed, released by `goLive`. */
  private replaying: JobUpdate[] | undefined = [];

  constructor(private readonly options: SseClientOptions) {
    this.stream.write(": connected\n\n");
    this.heartbeat = setInterval(() => this.stream.write(": heartbeat\n\n"), options.heartbeatMs);
    this.stream.on("drain", () => this.flushPending());
    this.stream.on("close", () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get filter(): StreamFilter {
    return this.options.filter;
  }

  /** Live updates from the hub. */
  offer(update: JobUpdate): void {
    if (this.closed || !matches(this.options.filter, update)) return;
    if (this.replaying) this.replaying.push(update);
    else this.deliver(update);
  }

  /** Sends replayed history (straight, in order); returns the bytes written. */
  sendReplayed(updates: JobUpdate[]): number {
    let bytes = 0;
    for (const update of updates) if (!this.closed && matches(this.options.filter, update)) bytes += this.write(update);
    return bytes;
  }

  /** Resolves once the client has read what it was sent (or the stream closed). */
  drained(): Promise<void> {
    if (this.closed || this.stream.writableLength <= HIGH_WATER_BYTES) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off("drain", done);
        this.stream.off("close", done);
        resolve();
      };
      this.stream.on("drain", done);
      this.stream.on("close", done);
    });
  }

  /**
   * Ends the replay: live updates that arrived meanwhile are sent, except those the replay already
   * sent (by event id), so the client sees no gap and no duplicate.
   */
  goLive(): void {
    const held = this.replaying ?? [];
    this.replaying = undefined;
    for (const update of held) this.deliver(update);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.pending.clear();
    this.stream.end();
  }

  private deliver(update: JobUpdate): void {
    if (this.sent.has(update.id)) return;
    if (this.pending.size > 0 || this.stream.writableLength > HIGH_WATER_BYTES) {
      this.pending.delete(update.job.id); // re-insert so the map stays in order of latest change
      this.pending.set(update.job.id, update);
      if (this.pending.size > this.options.maxPendingJobs) this.close();
      return;
    }
    this.write(update);
  }

  private flushPending(): void {
    for (const [jobId, update] of this.pending) {
      if (this.stream.writableLength > HIGH_WATER_BYTES) return;
      this.pending.delete(jobId);
      this.write(update);
    }
  }

  private write(update: JobUpdate): number {
    if (this.sent.has(update.id)) return 0;
    this.sent.add(update.id);
    const text = formatEvent(update);
    this.stream.write(text);
    if (this.options.closeOnTerminal && TERMINAL_STATUSES.includes(update.type as JobStatus)) this.close();
    return text.length;
  }
}
