import { ServerResponse, STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { RETRY_AFTER_SECONDS } from "../../shared/http/api-errors";

interface ErrorLike {
  name?: string;
  message?: string;
  code?: unknown;
  status?: unknown;
  type?: unknown;
  data?: unknown;
}

/** body-parser's error types, which reach the gateway before any action runs. */
const BODY_PARSER_CODES: Record<string, string> = {
  "entity.parse.failed": "MALFORMED_JSON",
  "entity.too.large": "PAYLOAD_TOO_LARGE",
  "encoding.unsupported": "UNSUPPORTED_ENCODING",
  "charset.unsupported": "UNSUPPORTED_CHARSET",
};

/** Moleculer errors that mean "a service is not running", which is the server's problem, not the caller's. */
const UNAVAILABLE = new Set(["SERVICE_NOT_FOUND", "SERVICE_NOT_AVAILABLE", "REQUEST_TIMEOUT"]);

/** Server errors whose code and message are meant for the client: not ready (503), no room for an upload (507). */
const TOLD_SERVER_ERRORS = new Set([503, 507]);

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * Maps any error to the API's `{ error: { code, message, details } }` with its HTTP status. Client
 * errors keep their message and details; server errors say nothing about internals.
 */
export function toErrorResponse(raw: unknown): { status: number; body: ErrorBody } {
  const error = (raw ?? {}) as ErrorLike;
  const type = typeof error.type === "string" ? error.type : undefined;
  // moleculer-web answers an alias whose service is not running with a ServiceUnavailableError.
  if ((type && UNAVAILABLE.has(type)) || error.name === "ServiceUnavailableError") {
    return { status: 503, body: { error: { code: "SERVICE_UNAVAILABLE", message: "A required service is not available; try again" } } };
  }
  const candidate = [error.status, error.code].find((value) => typeof value === "number" && value >= 400 && value < 600);
  const status = typeof candidate === "number" ? candidate : 500;
  if (TOLD_SERVER_ERRORS.has(status) && type) {
    return { status, body: { error: { code: type, message: error.message ?? "Not ready" } } };
  }
  if (status >= 500) {
    return { status, body: { error: { code: "INTERNAL_ERROR", message: "Internal server error" } } };
  }
  const code = (type && (BODY_PARSER_CODES[type] ?? type)) || (status === 404 ? "NOT_FOUND" : "BAD_REQUEST");
  const details = error.data ?? undefined;
  const message = type === "entity.parse.failed" ? "Request body is not valid JSON" : (error.message ?? "Bad request");
  return { status, body: { error: details === undefined ? { code, message } : { code, message, details } } };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Answers any error as the API's JSON error and returns its status; a 503 (a service or the database
 * is away) and a 429 (a rate or stream limit, whose details say how long) say when to try again.
 */
export function sendError(res: ServerResponse, error: unknown): number {
  const { status, body } = toErrorResponse(error);
  const details = body.error.details as { retryAfterSeconds?: unknown } | undefined;
  const retryAfter = status === 503 ? RETRY_AFTER_SECONDS : status === 429 && typeof details?.retryAfterSeconds === "number" ? details.retryAfterSeconds : undefined;
  sendJson(res, status, body, retryAfter !== undefined ? { "Retry-After": String(retryAfter) } : {});
  return status;
}

/**
 * Answers a request Node's HTTP parser refused before any route saw it (headers too large, a
 * malformed request line) with the API's JSON error instead of Node's bare status line.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : 400;
  const text = JSON.stringify({
    error: status === 431
      ? { code: "HEADERS_TOO_LARGE", message: "The request's headers are too large" }
      : { code: "BAD_REQUEST", message: "The request could not be parsed as HTTP" },
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}
