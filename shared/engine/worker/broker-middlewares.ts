import type { BrokerOptions, Middleware } from "moleculer";
import { DatabaseErrorsMiddleware } from "../../http/database-errors-middleware";
import { TasksMiddleware } from "./tasks-middleware";

/**
 * Moleculer's own middlewares, in its order, less "Metrics": that one records four series per
 * action call (with label hashing and a quantile histogram), which measured as 0.18 CPU-ms of each
 * job enqueued over HTTP (BENCHMARKS.md, 2026-12-03 afternoon). Conveyor's job metrics stay.
 */
const MOLECULER_MIDDLEWARES = [
  "ActionHook",
  "Validator",
  "Bulkhead",
  "Cacher",
  "ContextTracker",
  "CircuitBreaker",
  "Timeout",
  "Retry",
  "Fallback",
  "ErrorHandler",
  "Tracing",
  "Debounce",
  "Throttle",
];

/**
 * The middleware options of every Conveyor broker (processes, tests, benches): one list, so none
 * goes without. `extra` middlewares run after Conveyor's and before Moleculer's, as user
 * middlewares always do.
 */
export function conveyorMiddlewareOptions(extra: Middleware[] = []): Pick<BrokerOptions, "internalMiddlewares" | "middlewares"> {
  return {
    internalMiddlewares: false,
    middlewares: [DatabaseErrorsMiddleware(), TasksMiddleware(), ...extra, ...MOLECULER_MIDDLEWARES],
  };
}
