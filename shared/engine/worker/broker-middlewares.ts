import type { Middleware } from "moleculer";
import { DatabaseErrorsMiddleware } from "../../http/database-errors-middleware";
import { TasksMiddleware } from "./tasks-middleware";

/** The middlewares every Conveyor broker runs (processes, tests, benches): one list, so none goes without. */
export function conveyorMiddlewares(): Middleware[] {
  return [DatabaseErrorsMiddleware(), TasksMiddleware()];
}
