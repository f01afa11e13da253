import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Webhook signatures, Stripe-style: `Conveyor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * `<t>.<raw body>`. Receivers recompute it with their secret and reject stale timestamps (replays).
 */
export const SIGNATURE_HEADER = "conveyor-signature";

export function signatureFor(secret: string, timestamp: number, body: string): string {
  const digest = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
  return `t=${timestamp},v1=${digest}`;
}

/** True when `header` is a valid signature of `body` made within `toleranceSeconds` of `now`. */
export function verifySignature(
  secret: string,
  header: string,
  body: string,
  toleranceSeconds = 300,
  now = Math.floor(Date.now() / 1000),
): boolean {
  const parts = new Map(header.split(",").map((part) => part.split("=", 2) as [string, string]));
  const timestamp = Number(parts.get("t"));
  const given = parts.get("v1");
  if (!Number.isInteger(timestamp) || !given || Math.abs(now - timestamp) > toleranceSeconds) return false;
  const expected = signatureFor(secret, timestamp, body).split("v1=")[1];
  return expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}
