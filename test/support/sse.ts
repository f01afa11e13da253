import { EventSource } from "eventsource";
import type { JobUpdate } from "../../shared/db/jobs/job-updates";
import { waitFor } from "./wait-for";

const EVENT_TYPES = ["scheduled", "queued", "running", "progress", "retrying", "succeeded", "failed", "cancelled"];

export interface ReceivedEvent {
  id: string;
  type: string;
  update: JobUpdate;
}

export interface StreamHandle {
  events: ReceivedEvent[];
  /** Resolves once the server has ended the stream (the client then stops). */
  ended: Promise<void>;
  waitForEvents(predicate: (events: ReceivedEvent[]) => boolean, timeoutMs?: number): Promise<ReceivedEvent[]>;
  close(): void;
}

/** An EventSource (the `eventsource` package) on a gateway URL, with the API key and an optional Last-Event-ID. */
export function openStream(url: string, apiKey: string, lastEventId?: string): StreamHandle {
  const events: ReceivedEvent[] = [];
  let markEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const source = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...(init?.headers as Record<string, string>),
          authorization: `Bearer ${apiKey}`,
          ...(lastEventId ? { "last-event-id": lastEventId } : {}),
        },
      }),
  });
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (event) => {
      events.push({ id: event.lastEventId, type, update: JSON.parse(event.data) as JobUpdate });
    });
  }
  // The stream ending shows as an error followed by a reconnect attempt; stop there for the test.
  source.addEventListener("error", () => {
    source.close();
    markEnded();
  });
  return {
    events,
    ended,
    waitForEvents: (predicate, timeoutMs = 20_000) =>
      waitFor(async () => events, predicate, { timeoutMs, intervalMs: 25 }),
    close: () => {
      source.close();
      markEnded();
    },
  };
}
