import { lookup as dnsLookup, LookupAddress } from "node:dns";
import { isIP, LookupFunction } from "node:net";
import { Agent, buildConnector, fetch, Response } from "undici";
import { config } from "../../../config";
import { OutboundPolicy, outboundPolicy, OutboundRefusedError, refusalMessage } from "./outbound-policy";

/** An answer broke a bound of the outbound policy (too many redirects, too many bytes). */
export class OutboundLimitError extends Error {
  override readonly name = "OutboundLimitError";
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Cancels the request (a job's cancel or shutdown); its reason is what the call rejects with. */
  signal: AbortSignal;
  /** The whole exchange (every redirect and the body) must end within this; undefined takes the default. */
  timeoutMs?: number;
  /** 0 hands a redirect back to the caller as it is. */
  maxRedirects?: number;
  maxBytes?: number;
}

/**
 * Resolves a host and keeps only addresses the policy allows, so the socket connects to exactly the
 * address that was checked (no window for DNS rebinding between the check and the connect).
 */
function policedLookup(policy: OutboundPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, "", 0);
      const allowed = addresses.filter((entry) => !policy.refusalFor(entry.address));
      if (allowed.length === 0) {
        const refusal = addresses.map((entry) => policy.refusalFor(entry.address)).join("; ");
        return callback(new OutboundRefusedError(refusalMessage(hostname, refusal)) as NodeJS.ErrnoException, "", 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** A dispatcher whose every connection goes through the policy: IP literals checked, names resolved through it. */
function policedAgent(policy: OutboundPolicy): Agent {
  const connector = buildConnector({ lookup: policedLookup(policy) } as buildConnector.BuildOptions);
  return new Agent({
    connect(options, callback) {
      const host = options.hostname.replace(/^\[(.*)\]$/, "$1");
      const refusal = isIP(host) ? policy.refusalFor(host) : undefined;
      if (refusal) return callback(new OutboundRefusedError(refusalMessage(host, refusal)), null);
      return connector(options, callback);
    },
  });
}

let agent: Agent | undefined;

/** The error a failed fetch stands for: our own refusal or limit when that is what broke it. */
function causeOf(error: unknown): unknown {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof OutboundRefusedError || cause instanceof OutboundLimitError ? cause : error;
}

/** The body, failing with OutboundLimitError once it passes `maxBytes`. */
function capped(body: ReadableStream<Uint8Array>, maxBytes: number, url: string): ReadableStream<Uint8Array> {
  let seen = 0;
  return body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) controller.error(new OutboundLimitError(`${url} answered more than ${maxBytes} bytes`));
        else controller.enqueue(chunk);
      },
    }),
  );
}

/**
 * Fetches a URL a tenant supplied (ingestion sources, webhooks, job callbacks) under the outbound
 * policy: every connection (and so every redirect's) is checked on the address it connects to,
 * redirects are followed by hand up to a bound, and the exchange is bounded in time and bytes.
 * Rejects with OutboundRefusedError, OutboundLimitError, the signal's reason, a timeout's
 * DOMException (name TimeoutError), or fetch's own TypeError for network failures.
 */
export async function outboundFetch(url: string, request: OutboundRequest): Promise<Response> {
  const settings = config();
  const policy = outboundPolicy();
  agent ??= policedAgent(policy);
  const maxRedirects = request.maxRedirects ?? settings.OUTBOUND_MAX_REDIRECTS;
  const maxBytes = request.maxBytes ?? settings.OUTBOUND_MAX_RESPONSE_BYTES;
  const signal = AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs ?? settings.OUTBOUND_TIMEOUT_MS)]);
  let target = url;
  for (let redirects = 0; ; redirects += 1) {
    policy.check(target);
    let response: Response;
    try {
      response = await fetch(target, { method: request.method ?? "GET", headers: request.headers, body: request.body, signal, redirect: "manual", dispatcher: agent });
    } catch (error) {
      throw signal.aborted ? signal.reason : causeOf(error);
    }
    const location = response.headers.get("location");
    if (response.status < 300 || response.status >= 400 || !location || maxRedirects === 0) {
      if (!response.body) return response;
      return new Response(capped(response.body, maxBytes, target), { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    await response.body?.cancel();
    if (redirects >= maxRedirects) throw new OutboundLimitError(`${url} redirected more than ${maxRedirects} times`);
    target = new URL(location, target).toString();
  }
}
