import type { Context } from "moleculer";
import { unauthorized } from "./api-errors";

/** What every Conveyor action reads from the call's meta. */
export interface CallerMeta {
  /** Set by the gateway from the API key; internal callers set it themselves. */
  organizationId?: string;
  /** Set by the scheduler on the jobs it fires; the gateway never copies it from a request. */
  scheduleId?: string;
}

/** The organization an action runs as; a call without one is refused. */
export function organizationOf(ctx: Context<unknown, CallerMeta>): string {
  const organizationId = ctx.meta.organizationId;
  if (!organizationId) throw unauthorized("No organization on the call (meta.organizationId)");
  return organizationId;
}
