import { timingSafeEqual } from "node:crypto";
import { createReadStream } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import path from "node:path";
import type { PassThrough } from "node:stream";
import { Context, Service, ServiceBroker } from "moleculer";
import ApiGateway, { IncomingRequest, Route } from "moleculer-web";
import { config } from "../config";
import { ApiError, unauthorized } from "../shared/http/api-errors";
import type { VerifiedKey } from "../shared/db/api-keys";
import { ExpiringCache } from "../shared/lib/expiring-cache";
import { RateWindow } from "../shared/http/rate-window";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { JOB_UPDATES_BROADCAST } from "../shared/lib/event-names";
import { METRIC, prometheusText, registerMetrics } from "../shared/engine/metrics";
import { parseParams } from "../shared/http/parse-params";
import { API_PREFIX } from "../shared/http/api-paths";
import { EVENT_ID, jobIdParams, jobStreamParams } from "../shared/http/job-params";
import type { HttpContext } from "../shared/http/http-meta";
import { handleDocumentUpload } from "./gateway/document-uploads";
import { answerClientError, sendError, sendJson } from "./gateway/error-response";
import { openApiDocument } from "./gateway/openapi";
import { SseClient, StreamFilter } from "./gateway/sse/sse-client";
import { SseHub } from "./gateway/sse/sse-hub";

type GatewayContext = HttpContext;

/**
 * The dashboard's static files, by fixed route: no part of a request path reaches the file system,
 * so there is nothing to traverse. The page uses the public API with an API key, like any client.
 * Its chart library, uPlot, is served from node_modules, so the page loads nothing from elsewhere.
 */
const DASHBOARD_DIR = path.join(__dirname, "gateway", "dashboard");
const JAVASCRIPT = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const DASHBOARD_FILES: Record<string, { file: string; type: string }> = {
  dashboard: { file: path.join(DASHBOARD_DIR, "index.html"), type: "text/html; charset=utf-8" },
  "dashboard/dashboard.js": { file: path.join(DASHBOARD_DIR, "dashboard.js"), type: JAVASCRIPT },
  "dashboard/dashboard.css": { file: path.join(DASHBOARD_DIR, "dashboard.css"), type: CSS },
  "dashboard/uplot.js": { file: require.resolve("uplot/dist/uPlot.iife.min.js"), type: JAVASCRIPT },
  "dashboard/uplot.css": { file: require.resolve("uplot/dist/uPlot.min.css"), type: CSS },
};
const DASHBOARD_HEADERS = {
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  // Only its own script, style and API: injected markup could neither run nor load anything.
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
};

function serveDashboardFile(res: ServerResponse, file: string, type: string): void {
  const stream = createReadStream(file);
  stream.once("open", () => {
    res.writeHead(200, { "Content-Type": type, ...DASHBOARD_HEADERS });
    stream.pipe(res);
  });
  stream.once("error", () => {
    if (res.headersSent) res.destroy();
    else sendJson(res, 404, { error: { code: "NOT_FOUND", message: "Dashboard file not found" } });
  });
}

const REPLAY_PAGE = 1_000;
/** Credentials this gateway has had verified, at most (a flood of bad ones is never cached). */
const VERIFIED_CACHE_MAX = 10_000;

function constantTimeEquals(given: string, expected: string): boolean {
  const [a, b] = [Buffer.from(given), Buffer.from(expected)];
  return a.length === b.length && timingSafeEqual(a, b);
}

type Credential = { apiKey: string } | { streamToken: string };

/**
 * An API key comes in a header only. Browsers' EventSource cannot send headers, so an event stream
 * (a GET asking for text/event-stream) may instead carry `?token=`: a short-lived stream token from
 * POST /api/v1/stream-tokens, never the key itself, so no log or history keeps a secret that lasts.
 */
function credentialOf(req: IncomingRequest): Credential | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return { apiKey: header.slice("Bearer ".length).trim() };
  const explicit = req.headers["x-api-key"];
  if (typeof explicit === "string") return { apiKey: explicit };
  if (req.query?.apiKey !== undefined) throw unauthorized("API keys are not accepted in URLs: send Authorization: Bearer <key>, or get a stream token (POST /api/v1/stream-tokens) for event streams");
  const token = req.query?.token;
  const isStreamRequest = req.method === "GET" && (req.headers.accept?.includes("text/event-stream") ?? false);
  return typeof token === "string" && isStreamRequest ? { streamToken: token } : undefined;
}

/** What the request log shows of a URL: its path, never its query (which may carry a stream token). */
const loggedPath = (req: IncomingMessage & { originalUrl?: string }) => (req.originalUrl ?? req.url ?? "").split("?", 1)[0];

/**
 * REST and SSE front door: API-key auth, JSON errors, OpenAPI, health and readiness, and job event
 * streams fed by the notifier's broadcast (with Last-Event-ID replay from Postgres).
 */
export default class GatewayService extends Service {
  private readonly hub = new SseHub();
  /** Requests per API key per minute on this gateway (undefined: no limit). */
  private readonly requests: RateWindow | undefined;
  /** Open event streams per API key on this gateway. */
  private readonly openStreams = new Map<string, number>();
  /**
   * Credentials the auth service verified, until the time its answer holds (`validUntil`): a request
   * with a known key makes no call to auth, and a revoked key still stops within API_KEY_CACHE_MS.
   */
  private readonly verified = new ExpiringCache<VerifiedKey>(VERIFIED_CACHE_MAX);

  constructor(broker: ServiceBroker) {
    super(broker);
    const settings = config();
    this.requests = settings.RATE_LIMIT_PER_MINUTE > 0 ? new RateWindow(settings.RATE_LIMIT_PER_MINUTE, 60_000) : undefined;
    this.parseServiceSchema({
      name: "gateway",
      mixins: [ApiGateway],
      settings: {
        port: settings.PORT,
        ip: settings.HOST,
        log4XXResponses: false,
        logRequestParams: null,
        logResponseData: null,
        onError(this: Service, _req: IncomingMessage, res: ServerResponse, error: Error) {
          // The client learns nothing about a server error; the operator does.
          if (sendError(res, error) === 500) this.logger.error("Request failed", error);
        },
        routes: [
          {
            // Documents first: uploads stream multipart bodies, so this route parses no bodies itself.
            path: `${API_PREFIX}/documents`,
            authentication: true,
            mappingPolicy: "restrict",
            bodyParsers: { json: false, urlencoded: false },
            aliases: {
              "POST /": (req: IncomingRequest, res: ServerResponse) => void handleDocumentUpload(req, res, false),
              "POST batch": (req: IncomingRequest, res: ServerResponse) => void handleDocumentUpload(req, res, true),
              "GET search": "documents.search",
              "GET :id": "documents.get",
              "GET :id/chunks": "documents.chunks",
              "DELETE :id": "documents.remove",
            },
          },
          {
            path: API_PREFIX,
            authentication: true,
            mappingPolicy: "restrict",
            bodyParsers: { json: { limit: settings.BODY_LIMIT, strict: true }, urlencoded: false },
            aliases: {
              "POST jobs": "jobs.create",
              "POST jobs/bulk": "jobs.createMany",
              "GET jobs": "jobs.list",
              "GET jobs/stream": "gateway.stream",
              "GET jobs/dead-letters": "jobs.deadLetters",
              "GET jobs/:id": "jobs.get",
              "GET jobs/:id/events": "gateway.jobEvents",
              "DELETE jobs/:id": "jobs.cancel",
              "POST jobs/:id/cancel": "jobs.cancel",
              "POST jobs/:id/retry": "jobs.replay",
              "GET tasks": "jobs.tasks",
              "GET queues": "jobs.queues",
              "POST queues/:name/purge": "jobs.purge",
              "POST queues/:name/pause": "jobs.pauseQueue",
              "POST queues/:name/resume": "jobs.resumeQueue",
              "GET flow-control": "jobs.flowControl",
              "GET workers": "jobs.workers",
              "GET stats/queues": "jobs.queueStats",
              "POST webhooks/subscriptions": "webhooks.createSubscription",
              "GET webhooks/subscriptions": "webhooks.listSubscriptions",
              "GET webhooks/subscriptions/:id": "webhooks.getSubscription",
              "PATCH webhooks/subscriptions/:id": "webhooks.updateSubscription",
              "DELETE webhooks/subscriptions/:id": "webhooks.deleteSubscription",
              "GET webhooks/deliveries": "webhooks.listDeliveries",
              "GET webhooks/deliveries/:id": "webhooks.getDelivery",
              "POST webhooks/deliveries/:id/replay": "webhooks.replayDelivery",
              "GET webhooks/planning": "webhooks.planning",
              "GET webhooks/secret": "webhooks.secret",
              "POST issues": "enrichment.create",
              "GET issues": "enrichment.list",
              "GET issues/:id": "enrichment.get",
              "PATCH issues/:id": "enrichment.update",
              "POST issues/:id/enrich": "enrichment.enrich",
              "POST schedules": "schedules.create",
              "GET schedules": "schedules.list",
              "GET schedules/:id": "schedules.get",
              "PATCH schedules/:id": "schedules.update",
              "DELETE schedules/:id": "schedules.remove",
              "POST schedules/:id/pause": "schedules.pause",
              "POST schedules/:id/resume": "schedules.resume",
              "POST schedules/:id/run": "schedules.runNow",
              "GET schedules/:id/runs": "schedules.runs",
              "POST ingestion/jobs": "ingestion.create",
              "GET ingestion/jobs": "ingestion.list",
              "GET ingestion/jobs/:id": "ingestion.get",
              "GET ingestion/providers": "ingestion.providers",
              "GET ingestion/records": "ingestion.records",
              "POST stream-tokens": "auth.issueStreamToken",
            },
            onBeforeCall(ctx: GatewayContext, _route: Route, req: IncomingRequest) {
              const lastEventId = req.headers["last-event-id"];
              if (typeof lastEventId === "string") ctx.meta.lastEventId = lastEventId;
              ctx.meta.wantsEventStream = req.headers.accept?.includes("text/event-stream") ?? false;
            },
          },
          {
            path: "/",
            authentication: false,
            mappingPolicy: "restrict",
            bodyParsers: { json: false, urlencoded: false },
            aliases: {
              "GET health"(_req: IncomingMessage, res: ServerResponse) {
                sendJson(res, 200, { status: "ok" });
              },
              "GET ready": "jobs.ready",
              "GET metrics": (req: IncomingMessage, res: ServerResponse) => this.sendMetrics(req, res),
              [`GET ${API_PREFIX.slice(1)}/openapi.json`](_req: IncomingMessage, res: ServerResponse) {
                sendJson(res, 200, openApiDocument());
              },
              ...Object.fromEntries(
                Object.entries(DASHBOARD_FILES).map(([route, { file, type }]) => [
                  `GET ${route}`,
                  (_req: IncomingMessage, res: ServerResponse) => serveDashboardFile(res, file, type),
                ]),
              ),
            },
          },
        ],
      },
      actions: {
        stream: (ctx: GatewayContext) => this.openStream(ctx, false),
        jobEvents: (ctx: GatewayContext) =>
          ctx.meta.wantsEventStream ? this.openStream(ctx, true) : ctx.call("jobs.events", { id: ctx.params.id }),
      },
      events: {
        [JOB_UPDATES_BROADCAST]: (ctx: Context<{ updates: JobUpdate[] }>) => this.hub.publish(ctx.params.updates),
      },
      methods: {
        authenticate: (ctx: GatewayContext, _route: Route, req: IncomingRequest) => this.resolveCredential(ctx, req),
        // moleculer-web's own request lines print the whole URL; these print the path only.
        logRequest(this: Service, req: IncomingMessage) {
          this.logger.info(`=> ${req.method} ${loggedPath(req)}`);
        },
        logResponse(this: Service, req: IncomingMessage, res: ServerResponse) {
          this.logger.info(`<= ${res.statusCode} ${req.method} ${loggedPath(req)}`);
        },
      },
      started: () => {
        (this as unknown as { server: Server }).server.on("clientError", answerClientError);
        registerMetrics(this.broker);
      },
      stopped: () => this.hub.closeAll(),
    });
  }

  /**
   * Prometheus text for this node (the all-in-one process has every service's metrics), for operators
   * only: with METRICS_TOKEN as a bearer token; without a token set, scrape METRICS_PORT instead.
   */
  private sendMetrics(req: IncomingMessage, res: ServerResponse): void {
    const token = config().METRICS_TOKEN;
    if (!token) {
      sendJson(res, 404, { error: { code: "NOT_FOUND", message: "Metrics are served on METRICS_PORT; set METRICS_TOKEN to serve them here" } });
      return;
    }
    if (!constantTimeEquals(req.headers.authorization ?? "", `Bearer ${token}`)) {
      sendJson(res, 401, { error: { code: "UNAUTHORIZED", message: "GET /metrics needs Authorization: Bearer <METRICS_TOKEN>" } });
      return;
    }
    if (this.broker.isMetricsEnabled()) this.broker.metrics.set(METRIC.sseClients, this.hub.size);
    const text = prometheusText(this.broker);
    if (text === undefined) {
      sendJson(res, 404, { error: { code: "METRICS_DISABLED", message: "Metrics are disabled (METRICS_ENABLED=false)" } });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
    res.end(text);
  }

  /**
   * Resolves the API key (or stream token) to its key and organization; every /api/v1 call then runs
   * as that organization, counted against the key's request rate.
   */
  private async resolveCredential(ctx: GatewayContext, req: IncomingRequest): Promise<{ organizationId: string }> {
    const credential = credentialOf(req);
    if (!credential) throw unauthorized();
    const { keyId, organizationId } = await this.verify(ctx, credential);
    const retryAfterSeconds = this.requests?.take(keyId);
    if (retryAfterSeconds !== undefined) {
      throw new ApiError(429, "RATE_LIMITED", `More than ${config().RATE_LIMIT_PER_MINUTE} requests a minute with this API key`, { retryAfterSeconds });
    }
    ctx.meta.organizationId = organizationId;
    ctx.meta.apiKeyId = keyId;
    return { organizationId };
  }

  private async verify(ctx: GatewayContext, credential: Credential): Promise<VerifiedKey> {
    const cacheKey = "apiKey" in credential ? `key:${credential.apiKey}` : `token:${credential.streamToken}`;
    const hit = this.verified.get(cacheKey);
    if (hit) return hit;
    const verified =
      "apiKey" in credential
        ? await ctx.call<VerifiedKey, { apiKey: string }>("auth.authenticate", { apiKey: credential.apiKey })
        : await ctx.call<VerifiedKey, { token: string }>("auth.authenticateStreamToken", { token: credential.streamToken });
    this.verified.set(cacheKey, verified, verified.validUntil);
    return verified;
  }

  /**
   * Opens an SSE stream. With Last-Event-ID (header or `lastEventId` query), the missed events are
   * replayed from Postgres first; a single job's stream replays its whole history and ends with its
   * terminal event.
   */
  private openStream(ctx: GatewayContext, singleJob: boolean): PassThrough {
    const params = parseParams(singleJob ? jobIdParams.merge(jobStreamParams) : jobStreamParams, ctx.params);
    const organizationId = ctx.meta.organizationId;
    if (!organizationId) throw unauthorized();
    const jobId = singleJob ? (params as { id: string }).id : params.jobId;
    const filter: StreamFilter = { organizationId, jobId, task: params.task, queue: params.queue, statuses: params.status };
    const settings = config();
    const lastEventId = ctx.meta.lastEventId ?? params.lastEventId ?? (singleJob ? "0" : undefined);
    if (lastEventId !== undefined && !EVENT_ID.test(lastEventId)) {
      throw new ApiError(400, "INVALID_LAST_EVENT_ID", "Last-Event-ID must be an event id (digits) from this stream");
    }
    const keyId = ctx.meta.apiKeyId ?? organizationId;
    const open = this.openStreams.get(keyId) ?? 0;
    if (open >= settings.SSE_MAX_STREAMS_PER_KEY) {
      throw new ApiError(429, "TOO_MANY_STREAMS", `This API key already holds ${open} event streams on this gateway (SSE_MAX_STREAMS_PER_KEY)`, { retryAfterSeconds: 5 });
    }
    const client = new SseClient({
      filter,
      heartbeatMs: settings.SSE_HEARTBEAT_MS,
      maxPendingJobs: settings.SSE_MAX_PENDING_JOBS,
      closeOnTerminal: singleJob,
    });
    this.openStreams.set(keyId, open + 1);
    client.stream.once("close", () => {
      const left = (this.openStreams.get(keyId) ?? 1) - 1;
      if (left > 0) this.openStreams.set(keyId, left);
      else this.openStreams.delete(keyId);
    });
    this.hub.add(client);
    ctx.meta.$responseType = "text/event-stream; charset=utf-8";
    ctx.meta.$responseHeaders = { "Cache-Control": "no-cache", "X-Accel-Buffering": "no" };
    void this.replay(ctx, client, lastEventId, settings.SSE_REPLAY_MAX_BYTES);
    return client.stream;
  }

  /**
   * Replays history page by page, each page only once the client has read the one before (a reader
   * that does not read holds one page, not the whole history), up to `maxBytes` per connection.
   */
  private async replay(ctx: GatewayContext, client: SseClient, lastEventId: string | undefined, maxBytes: number): Promise<void> {
    let replayed = 0;
    try {
      let after = lastEventId;
      while (after !== undefined && !client.isClosed) {
        const page = await ctx.call<JobUpdate[], object>("jobs.updatesAfter", {
          afterId: after,
          jobId: client.filter.jobId,
          limit: REPLAY_PAGE,
        });
        replayed += client.sendReplayed(page);
        await client.drained();
        if (replayed >= maxBytes) {
          client.close(); // the client reconnects with a newer Last-Event-ID and continues
          return;
        }
        after = page.length === REPLAY_PAGE ? page[page.length - 1].id : undefined;
      }
      client.goLive();
    } catch (error) {
      this.logger.warn("SSE replay failed; closing the stream so the client retries", error);
      client.close();
    }
  }
}
