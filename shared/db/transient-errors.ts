/**
 * What a Postgres failure says about what to do next. Three kinds matter to Conveyor:
 *
 * - unavailable: the server cannot be reached or is restarting. Nothing is wrong with the work;
 *   wait and run the statement again (workers), or answer 503 with Retry-After (the API).
 * - conflict: a deadlock or serialization failure broke the statement. Run it again at once.
 * - refused data: the statement's values are out of what Postgres stores (a NUL character in text
 *   or JSON, an integer out of range). Running it again changes nothing; the request is at fault.
 */
interface DatabaseErrorLike {
  code?: unknown;
  name?: unknown;
  message?: unknown;
}

/** Node socket errors on the way to the server. */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH"]);
/** admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections. */
const UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);
const CONFLICT_CODES = new Set(["40P01", "40001"]);
/** Messages of node-postgres and knex for a connection that died or never came. */
const UNAVAILABLE_MESSAGES = [/Connection terminated/i, /Client has encountered a connection error/i, /timeout exceeded when trying to connect/i, /Knex: Timeout acquiring a connection/i];

function fieldsOf(error: unknown): DatabaseErrorLike {
  return typeof error === "object" && error !== null ? (error as DatabaseErrorLike) : {};
}

export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, name, message } = fieldsOf(error);
  if (typeof code === "string" && (SOCKET_CODES.has(code) || UNAVAILABLE_CODES.has(code) || code.startsWith("08"))) return true;
  if (name === "KnexTimeoutError") return true;
  return typeof message === "string" && UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message));
}

/** Worth running the same statement again: the server was away, or it broke a conflict. */
export function isTransientDatabaseError(error: unknown): boolean {
  const { code } = fieldsOf(error);
  return isDatabaseUnavailable(error) || (typeof code === "string" && CONFLICT_CODES.has(code));
}

/** Postgres refused the values themselves (data exception class 22, program_limit_exceeded). */
export function isRefusedData(error: unknown): boolean {
  const { code } = fieldsOf(error);
  return typeof code === "string" && (code.startsWith("22") || code === "54000");
}
