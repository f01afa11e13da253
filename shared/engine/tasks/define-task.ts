import { z } from "zod";
import type { TaskContext } from "./task-context";
import { BackoffOptions, DEFAULT_BACKOFF } from "../retries/backoff";
import { queueForTask } from "./queue-routing";

type ErrorClass = abstract new (...args: never[]) => Error;

export interface TaskOptions<Schema extends z.ZodTypeAny, Result> {
  /** Dotted name; its prefix picks the queue (ai.*, datasync.*, documents.*, else default). */
  name: string;
  payload: Schema;
  /** Overrides the queue derived from the name. */
  queue?: string;
  maxAttempts?: number;
  backoff?: Partial<BackoffOptions>;
  /** When given, only these errors are retried; otherwise every error but PermanentError is. */
  retryOn?: ErrorClass[];
  /** After this the AbortSignal fires (reason SoftTimeLimitExceededError) so the task can wrap up. */
  softTimeLimitMs?: number;
  /** After this the attempt fails with TimeLimitExceededError and is retried per policy. */
  timeLimitMs?: number;
  run(ctx: TaskContext, payload: z.infer<Schema>): Promise<Result>;
}

export interface TaskDefinition<Schema extends z.ZodTypeAny = z.ZodTypeAny, Result = unknown> {
  readonly name: string;
  readonly payload: Schema;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly retryOn: ErrorClass[] | undefined;
  readonly softTimeLimitMs: number | undefined;
  readonly timeLimitMs: number | undefined;
  run(ctx: TaskContext, payload: z.infer<Schema>): Promise<Result>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
const TASK_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/** The one way to declare a task: typed payload, retry policy and time limits next to the code. */
export function defineTask<Schema extends z.ZodTypeAny, Result>(
  options: TaskOptions<Schema, Result>,
): TaskDefinition<Schema, Result> {
  if (!TASK_NAME.test(options.name)) {
    throw new Error(`Task name "${options.name}" must be dotted lower-case words, like "ai.enrich_issue"`);
  }
  return {
    name: options.name,
    payload: options.payload,
    queue: options.queue ?? queueForTask(options.name),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    retryOn: options.retryOn,
    softTimeLimitMs: options.softTimeLimitMs,
    timeLimitMs: options.timeLimitMs,
    run: options.run,
  };
}

/** Tasks by name; a name given twice is a mistake caught at start. */
export function taskRegistry(tasks: readonly TaskDefinition[]): Map<string, TaskDefinition> {
  const registry = new Map<string, TaskDefinition>();
  for (const task of tasks) {
    if (registry.has(task.name)) throw new Error(`Task "${task.name}" is defined twice`);
    registry.set(task.name, task);
  }
  return registry;
}
