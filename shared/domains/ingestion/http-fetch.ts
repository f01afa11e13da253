import type { Response } from "undici";
import { PermanentError, TransientError } from "../../engine/tasks/task-errors";
import { OutboundLimitError, outboundFetch } from "../../http/outbound/outbound-fetch";
import { OutboundRefusedError } from "../../http/outbound/outbound-policy";

/** Answers worth asking again: rate limits and server trouble. */
const isTransientStatus = (status: number) => status === 429 || status === 408 || status >= 500;

/**
 * GETs a source URL under the outbound policy (shared/http/outbound). The timeout covers waiting for the answer's headers and, through `read`, reading
 * the body it returns; 429, 408, 5xx, network failures and timeouts are TransientErrors, other non-2xx
 * answers PermanentErrors. A cancel or shutdown (`signal`) is rethrown as it is.
 */
export async function fetchSource<T>(
  url: string,
  headers: Record<string, string>,
  timeoutMs: number,
  signal: AbortSignal,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(new TransientError(`${url} did not answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await outboundFetch(url, { headers: { accept: "*/*", ...headers }, signal: AbortSignal.any([signal, timeout.signal]) });
    if (!response.ok) {
      await response.body?.cancel();
      const message = `${url} answered ${response.status} ${response.statusText}`.trim();
      throw isTransientStatus(response.status) ? new TransientError(message) : new PermanentError(message);
    }
    return await read(response);
  } catch (error) {
    throw sourceError(error, url, signal, timeout.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** What a failure while talking to the source means for the job. */
export function sourceError(error: unknown, url: string, signal: AbortSignal, timeout?: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  if (timeout?.aborted) return timeout.reason;
  if (error instanceof PermanentError || error instanceof TransientError) return error;
  // Asking again would meet the same policy or the same oversized answer.
  if (error instanceof OutboundRefusedError || error instanceof OutboundLimitError) return new PermanentError(error.message);
  if ((error as Error).name === "TimeoutError") return new TransientError(`${url} did not finish within OUTBOUND_TIMEOUT_MS`);
  // fetch fails with a TypeError on refused connections, resets and bodies cut off mid-way (by name:
  // undici's errors may come from another realm); streams fail with system errors (ECONNRESET, …).
  const code = (error as { code?: unknown }).code;
  if ((error as Error).name === "TypeError" || (typeof code === "string" && code.startsWith("E"))) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return new TransientError(`Reading ${url} failed: ${(error as Error).message}${cause ? ` (${cause})` : ""}`);
  }
  return error;
}
