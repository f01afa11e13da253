import { randomBytes } from "node:crypto";
import { Context, Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { config } from "../config";
import { unauthorized } from "../shared/http/api-errors";
import { hashApiKey, LiveKey, liveKeyById, liveKeyForSecret, VerifiedKey } from "../shared/db/api-keys";
import { ExpiringCache } from "../shared/lib/expiring-cache";
import type { HttpContext } from "../shared/http/http-meta";
import { parseParams } from "../shared/http/parse-params";
import { signStreamToken, verifyStreamToken } from "../shared/http/stream-token";
import { Runtime, runtimeFor } from "../shared/engine/runtime";

const KEY_CACHE_MAX = 10_000;

const authenticateParams = z.object({ apiKey: z.string().min(1).max(200) });
const streamTokenParams = z.object({ token: z.string().min(1).max(500) });

/**
 * Resolves API keys (and stream tokens) to their key and organization, and issues stream tokens.
 * Verified keys are cached for API_KEY_CACHE_MS, which bounds how long a revoked key keeps working;
 * each answer says until when it holds (`validUntil`), so a gateway may cache it that long and the
 * bound stays the same.
 */
export default class AuthService extends Service {
  private runtime!: Runtime;
  private readonly verified = new ExpiringCache<VerifiedKey>(KEY_CACHE_MAX);
  private readonly tokenSecret: string;

  constructor(broker: ServiceBroker) {
    super(broker);
    const settings = config();
    this.tokenSecret = settings.STREAM_TOKEN_SECRET ?? randomBytes(32).toString("base64url");
    this.parseServiceSchema({
      name: "auth",
      actions: {
        authenticate: (ctx: Context<unknown>) => {
          const { apiKey } = parseParams(authenticateParams, ctx.params);
          return this.cached(`secret:${hashApiKey(apiKey)}`, () => liveKeyForSecret(this.runtime.db, apiKey));
        },
        authenticateStreamToken: async (ctx: Context<unknown>) => {
          const claims = verifyStreamToken(this.tokenSecret, parseParams(streamTokenParams, ctx.params).token);
          if (!claims) throw unauthorized("Unknown or expired stream token (get a new one with POST /api/v1/stream-tokens)");
          // The key it was issued for must still be live: revoking a key ends its tokens too.
          const key = await this.cached(`id:${claims.keyId}`, () => liveKeyById(this.runtime.db, claims.keyId));
          return { ...key, validUntil: Math.min(key.validUntil, claims.expiresAt) };
        },
        /** A stream token for the calling key (the gateway has authenticated it with the key itself). */
        issueStreamToken: (ctx: HttpContext) => {
          const { apiKeyId, organizationId } = ctx.meta;
          if (!apiKeyId || !organizationId) throw unauthorized();
          const expiresAt = Date.now() + settings.STREAM_TOKEN_TTL_MS;
          return { token: signStreamToken(this.tokenSecret, { keyId: apiKeyId, organizationId, expiresAt }), expiresAt: new Date(expiresAt).toISOString() };
        },
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
        if (!settings.STREAM_TOKEN_SECRET && settings.NODE_ENV === "production") {
          this.logger.warn("STREAM_TOKEN_SECRET is not set: stream tokens only verify on the auth node that issued them");
        }
      },
    });
  }

  private async cached(cacheKey: string, load: () => Promise<LiveKey | undefined>): Promise<VerifiedKey> {
    const hit = this.verified.get(cacheKey);
    if (hit) return hit;
    const key = await load();
    if (!key) throw unauthorized("Unknown or revoked API key");
    const verified = { ...key, validUntil: Date.now() + config().API_KEY_CACHE_MS };
    this.verified.set(cacheKey, verified, verified.validUntil);
    return verified;
  }
}
