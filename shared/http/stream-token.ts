import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * A short-lived credential for event streams, so that browsers and EventSource clients (which cannot
 * send headers) never put an API key in a URL. It names the key it was issued for, so revoking the
 * key ends its tokens too; it is signed with STREAM_TOKEN_SECRET and good only for stream GETs.
 */
export interface StreamTokenClaims {
  keyId: string;
  organizationId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

const PREFIX = "cvs_";

const signature = (secret: string, body: string) => createHmac("sha256", secret).update(body).digest("base64url");

export function signStreamToken(secret: string, claims: StreamTokenClaims): string {
  const body = Buffer.from(JSON.stringify([claims.keyId, claims.organizationId, claims.expiresAt])).toString("base64url");
  return `${PREFIX}${body}.${signature(secret, body)}`;
}

/** The claims of a well-signed, unexpired token; undefined for anything else. */
export function verifyStreamToken(secret: string, token: string, now = Date.now()): StreamTokenClaims | undefined {
  if (!token.startsWith(PREFIX) || token.length > 500) return undefined;
  const [body, given] = token.slice(PREFIX.length).split(".");
  if (!body || !given) return undefined;
  const expected = Buffer.from(signature(secret, body));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return undefined;
  try {
    const [keyId, organizationId, expiresAt] = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as [unknown, unknown, unknown];
    if (typeof keyId !== "string" || typeof organizationId !== "string" || typeof expiresAt !== "number") return undefined;
    return expiresAt > now ? { keyId, organizationId, expiresAt } : undefined;
  } catch {
    return undefined;
  }
}
