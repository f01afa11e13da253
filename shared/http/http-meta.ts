import type { Context } from "moleculer";
import type { CallerMeta } from "./caller";

/**
 * The meta of an action called through the gateway: what the gateway copies from the request, and
 * what moleculer-web reads back to shape the answer. An action that answers other than 200 says so
 * itself (`respondWith`), so the gateway holds no per-action rules.
 */
export interface HttpMeta extends CallerMeta {
  /** The request's Last-Event-ID header, for event streams that resume. */
  lastEventId?: string;
  /** The request's Accept names text/event-stream. */
  wantsEventStream?: boolean;
  /** The id of the API key the request authenticated with (directly or through a stream token). */
  apiKeyId?: string;
  $statusCode?: number;
  $responseType?: string;
  $responseHeaders?: Record<string, string>;
}

export type HttpContext<Params = Record<string, unknown>> = Context<Params, HttpMeta>;

/**
 * Sets the answer's status and, when given, its Location header. Location goes through
 * $responseHeaders because moleculer-web sends its own `$location` only with 201 and 3xx.
 */
export function respondWith(ctx: Context<unknown, HttpMeta>, status: number, location?: string): void {
  ctx.meta.$statusCode = status;
  if (location !== undefined) ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, Location: location };
}
