import { z } from "zod";
import type { TaskContext } from "./task-context";
import { BackoffOptions, DEFAULT_BACKOFF } from "../retries/backoff";
import { QueueRoutes, queueForTask } from "./queue-routing";

type ErrorClass = abstract new (...args: never[]) => Error;

/** What the jobs service and callers need to know of a task: everything but its code. */
export interface TaskDeclarationOptions<Schema extends z.ZodTypeAny> {
  /** Dotted name; its prefix picks the queue through the routes given (else the default queue). */
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
  /**
   * public (the default): tenants may enqueue it through the API and schedules. internal: only
   * Conveyor's services enqueue it (it takes the id of a row a service wrote, like a webhook delivery).
   */
  visibility?: TaskVisibility;
  /** At most `limit` of this task's jobs with the same key run at once, across every worker. */
  concurrency?: { limit: number; key(payload: z.infer<Schema>, organizationId: string): string };
  /** At most `limit` of this task's jobs with the same key start per `periodMs`, across every worker. */
  throttle?: { limit: number; periodMs: number; key(payload: z.infer<Schema>, organizationId: string): string };
  /** A job enqueued while another with the same key still waits replaces it; it starts `periodMs` after the last. */
  debounce?: { periodMs: number; key(payload: z.infer<Schema>, organizationId: string): string };
}

export type TaskVisibility = "public" | "internal";

export interface TaskOptions<Schema extends z.ZodTypeAny, Result> extends TaskDeclarationOptions<Schema> {
  run(ctx: TaskContext, payload: z.infer<Schema>): Promise<Result>;
}

/**
 * A task as the catalog knows it: name, payload schema, queue, retry policy and limits, without the
 * code (and so without the libraries the code loads).
 */
export interface TaskDeclaration<Schema extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly name: string;
  readonly payload: Schema;
  readonly queue: string;
  readonly maxAttempts: number;
  readonly backoff: BackoffOptions;
  readonly retryOn: ErrorClass[] | undefined;
  readonly softTimeLimitMs: number | undefined;
  readonly timeLimitMs: number | undefined;
  readonly visibility: TaskVisibility;
  readonly concurrency: TaskDeclarationOptions<Schema>["concurrency"];
  readonly debounce: TaskDeclarationOptions<Schema>["debounce"];
  readonly throttle: TaskDeclarationOptions<Schema>["throttle"];
}

/** A declaration with its code: what a worker runs. */
export interface TaskDefinition<Schema extends z.ZodTypeAny = z.ZodTypeAny, Result = unknown> extends TaskDeclaration<Schema> {
  run(ctx: TaskContext, payload: z.infer<Schema>): Promise<Result>;
}

export const DEFAULT_MAX_ATTEMPTS = 3;
const TASK_NAME = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * A task's declaration, apart from its code, so that the catalog and the jobs service can load it
 * without the task's libraries. `defineTask({ ...declaration, run })` adds the code.
 */
export function declareTask<Schema extends z.ZodTypeAny>(options: TaskDeclarationOptions<Schema>, routes: QueueRoutes = {}): TaskDeclaration<Schema> {
  if (!TASK_NAME.test(options.name)) {
    throw new Error(`Task name "${options.name}" must be dotted lower-case words, like "ai.enrich_issue"`);
  }
  return {
    name: options.name,
    payload: options.payload,
    queue: options.queue ?? queueForTask(options.name, routes),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    backoff: { ...DEFAULT_BACKOFF, ...options.backoff },
    retryOn: options.retryOn,
    softTimeLimitMs: options.softTimeLimitMs,
    timeLimitMs: options.timeLimitMs,
    visibility: options.visibility ?? "public",
    concurrency: options.concurrency,
    debounce: options.debounce,
    throttle: options.throttle,
  };
}

/** The one way to define a task: typed payload, retry policy and time limits next to the code. */
export function defineTask<Schema extends z.ZodTypeAny, Result>(
  options: TaskOptions<Schema, Result>,
  routes: QueueRoutes = {},
): TaskDefinition<Schema, Result> {
  return { ...declareTask(options, routes), run: options.run };
}

/** Tasks by name; a name given twice is a mistake caught at start. */
export function taskRegistry<Task extends TaskDeclaration>(tasks: readonly Task[]): Map<string, Task> {
  const registry = new Map<string, Task>();
  for (const task of tasks) {
    if (registry.has(task.name)) throw new Error(`Task "${task.name}" is defined twice`);
    registry.set(task.name, task);
  }
  return registry;
}
