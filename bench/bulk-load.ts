import type { ServiceBroker } from "moleculer";
import { LoadRecorder, LoadResult } from "./load-result";

export interface BulkLoadOptions {
  organizationId: string;
  total: number;
  /** Jobs per `jobs.enqueueMany` call (the API takes at most 1,000). */
  chunk: number;
  /** Calls in flight at once. */
  concurrency: number;
  task: string;
  maxAttempts?: number;
  /** Every job gets a concurrency key, one of 100 with limit 10 (BENCH_KEYED_JOBS). */
  keyed?: boolean;
}

/** Enqueues `total` jobs through the jobs service's bulk action, as an internal caller would. */
export async function runBulkLoad(broker: ServiceBroker, options: BulkLoadOptions): Promise<LoadResult> {
  const recorder = new LoadRecorder();
  let next = 0;
  const sender = async () => {
    while (next < options.total) {
      const first = next;
      const count = Math.min(options.chunk, options.total - first);
      next += count;
      const jobs = Array.from({ length: count }, (_, i) => ({
        task: options.task,
        payload: { text: `bench ${first + i}` },
        ...(options.keyed ? { concurrency: { key: `bench-${(first + i) % 100}`, limit: 10 } } : {}),
        ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
      }));
      await recorder.time(count, async () => {
        const answer = await broker.call<{ jobs: unknown[] }, { jobs: unknown[] }>(
          "jobs.enqueueMany",
          { jobs },
          { meta: { organizationId: options.organizationId }, timeout: 60_000 },
        );
        if (answer.jobs.length !== count) throw new Error(`enqueueMany answered ${answer.jobs.length} jobs for ${count}`);
      });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, sender));
  return recorder.result();
}
