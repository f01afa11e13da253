import { Context, Service, ServiceBroker } from "moleculer";
import { z } from "zod";
import { unauthorized } from "../shared/http/api-errors";
import { hashApiKey, organizationForKey } from "../shared/db/api-keys";
import { parseParams } from "../shared/http/parse-params";
import { Runtime, runtimeFor } from "../shared/engine/runtime";

/** How long a verified key is trusted without asking Postgres again (a revoked key stops within this). */
const KEY_CACHE_TTL_MS = 30_000;
const KEY_CACHE_MAX = 10_000;

const authenticateParams = z.object({ apiKey: z.string().min(1).max(200) });

/** Resolves API keys to organizations. */
export default class AuthService extends Service {
  private runtime!: Runtime;
  private readonly verified = new Map<string, { organizationId: string; expiresAt: number }>();

  constructor(broker: ServiceBroker) {
    super(broker);
    this.parseServiceSchema({
      name: "auth",
      actions: {
        authenticate: (ctx: Context<unknown>) => this.authenticate(parseParams(authenticateParams, ctx.params).apiKey),
      },
      started: async () => {
        this.runtime = await runtimeFor(this.broker);
      },
    });
  }

  private async authenticate(apiKey: string): Promise<{ organizationId: string }> {
    const hash = hashApiKey(apiKey);
    const cached = this.verified.get(hash);
    if (cached && cached.expiresAt > Date.now()) return { organizationId: cached.organizationId };
    const organizationId = await organizationForKey(this.runtime.db, apiKey);
    if (!organizationId) throw unauthorized("Unknown or revoked API key");
    if (this.verified.size >= KEY_CACHE_MAX) this.verified.clear();
    this.verified.set(hash, { organizationId, expiresAt: Date.now() + KEY_CACHE_TTL_MS });
    return { organizationId };
  }
}
