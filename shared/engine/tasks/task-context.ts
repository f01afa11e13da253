import type { LoggerInstance, ServiceBroker } from "moleculer";

/** What a running task gets besides its payload. */
export interface TaskContext {
  jobId: string;
  organizationId: string;
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** Fires on cancel, soft time limit and worker shutdown; `signal.reason` says which. */
  signal: AbortSignal;
  /** Records progress (0–100) with an optional step name and message; visible on the job and its events. */
  progress(percent: number, step?: string, message?: string): Promise<void>;
  /** A logger whose lines carry the job id, task and organization. */
  logger: LoggerInstance;
  /** The Moleculer broker, for calling other services (`ctx.broker.call(...)`). */
  broker: ServiceBroker;
  /**
   * Whether the job gets another attempt if this one ends by throwing `error` (the task's retry policy
   * and the attempts left). A task that cleans up after its job's final failure asks this.
   */
  willRetry(error: unknown): boolean;
}
