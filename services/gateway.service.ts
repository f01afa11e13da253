import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import type { PassThrough } from "node:stream";
import { Context, Service, ServiceBroker } from "moleculer";
import ApiGateway, { IncomingRequest, Route } from "moleculer-web";
import { config } from "../config";
import { unauthorized } from "../shared/http/api-errors";
import type { JobUpdate } from "../shared/db/jobs/job-updates";
import { JOB_UPDATES_BROADCAST } from "../shared/lib/event-names";
import { METRIC, prometheusText, registerMetrics } from "../shared/engine/metrics";
import { parseParams } from "../shared/http/parse-params";
import { API_PREFIX } from "../shared/http/api-paths";
import { jobIdParams, jobStreamParams } from "../shared/http/job-params";
import type { HttpContext } from "../shared/http/http-meta";
import { handleDocumentUpload } from "./gateway/document-uploads";
import { sendError, sendJson } from "./gateway/error-response";
import { openApiDocument } from "./gateway/openapi";
import { SseClient, StreamFilter } from "./gateway/sse/sse-client";
import { SseHub } from "./gateway/sse/sse-hub";

type GatewayContext = HttpContext;

/**
 * The dashboard's static files, by fixed route: no part of a request path reaches the file system,
 * so there is nothing to traverse. The page uses the public API with an API key, like any client.
 */
const DASHBOARD_DIR = path.join(__dirname, "gateway", "dashboard");
const DASHBOARD_FILES: Record<string, { file: string; type: string }> = {
  dashboard: { file: "index.html", type: "text/html; charset=utf-8" },
  "dashboard/dashboard.js": { file: "dashboard.js", type: "text/javascript; charset=utf-8" },
  "dashboard/dashboard.css": { file: "dashboard.css", type: "text/css; charset=utf-8" },
};
const DASHBOARD_HEADERS = {
  "Cache-Control": "no-cache",
  "X-Content-Type-Options": "nosniff",
  // Only its own script, style and API: injected markup could neither run nor load anything.
  "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
};

function serveDashboardFile(res: ServerResponse, file: string, type: string): void {
  const stream = createReadStream(path.join(DASHBOARD_DIR, file));
  stream.once("open", () => {
    res.writeHead(200, { "Content-Type": type, ...DASHBOARD_HEADERS });
    stream.pipe(res);
  });
  stream.once("error", () => {
    if (res.headersSent) res.destroy();
    else sendJson(res, 404, { error: { code: "NOT_FOUND", message: "Dashboard file not found" } });
  });
}

/** A reconnecting client gets at most this much history per connection; it reconnects for the rest. */
const MAX_REPLAY_EVENTS = 10_000;
const REPLAY_PAGE = 1_000;

function apiKeyOf(req: IncomingRequest): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
  const explicit = req.headers["x-api-key"];
  if (typeof explicit === "string") return explicit;
  // Browsers' EventSource cannot send headers, so event streams also take the key as a query parameter.
  const fromQuery = req.query?.apiKey;
  return typeof fromQuery === "string" && req.headers.accept?.includes("text/event-stream") ? fromQuery : undefined;
}

/**
 * REST and SSE front door: API-key auth, JSON errors, OpenAPI, health and readiness, and job event
 * streams fed by the notifier's broadcast (with Last-Event-ID replay from Postgres).
 */
export default class GatewayService extends Service {
  private readonly hub = new SseHub();

  constructor(broker: ServiceBroker) {
    super(broker);
    const settings = config();
    this.parseServiceSchema({
      name: "gateway",
      mixins: [ApiGateway],
      settings: {
        port: settings.PORT,
        ip: settings.HOST,
        log4XXResponses: false,
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
              "GET workers": "jobs.workers",
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
              "GET metrics": (_req: IncomingMessage, res: ServerResponse) => this.sendMetrics(res),
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
        authenticate: (ctx: GatewayContext, _route: Route, req: IncomingRequest) => this.resolveApiKey(ctx, req),
      },
      started: () => registerMetrics(this.broker),
      stopped: () => this.hub.closeAll(),
    });
  }

  /** Prometheus text for this node (the all-in-one process has every service's metrics). */
  private sendMetrics(res: ServerResponse): void {
    if (this.broker.isMetricsEnabled()) this.broker.metrics.set(METRIC.sseClients, this.hub.size);
    const text = prometheusText(this.broker);
    if (text === undefined) {
      sendJson(res, 404, { error: { code: "METRICS_DISABLED", message: "Metrics are disabled (METRICS_ENABLED=false)" } });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
    res.end(text);
  }

  /** Resolves the API key to its organization; every /api/v1 call then runs as that organization. */
  private async resolveApiKey(ctx: GatewayContext, req: IncomingRequest): Promise<{ organizationId: string }> {
    const apiKey = apiKeyOf(req);
    if (!apiKey) throw unauthorized();
    const { organizationId } = await ctx.call<{ organizationId: string }, { apiKey: string }>("auth.authenticate", { apiKey });
    ctx.meta.organizationId = organizationId;
    return { organizationId };
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
    const client = new SseClient({
      filter,
      heartbeatMs: settings.SSE_HEARTBEAT_MS,
      maxPendingJobs: settings.SSE_MAX_PENDING_JOBS,
      closeOnTerminal: singleJob,
    });
    this.hub.add(client);
    ctx.meta.$responseType = "text/event-stream; charset=utf-8";
    ctx.meta.$responseHeaders = { "Cache-Control": "no-cache", "X-Accel-Buffering": "no" };
    const lastEventId = ctx.meta.lastEventId ?? params.lastEventId ?? (singleJob ? "0" : undefined);
    void this.replay(ctx, client, lastEventId);
    return client.stream;
  }

  private async replay(ctx: GatewayContext, client: SseClient, lastEventId: string | undefined): Promise<void> {
    let replayed = 0;
    try {
      let after = lastEventId;
      while (after !== undefined && !client.isClosed) {
        const page = await ctx.call<JobUpdate[], object>("jobs.updatesAfter", {
          afterId: after,
          jobId: client.filter.jobId,
          limit: REPLAY_PAGE,
        });
        client.sendReplayed(page);
        replayed += page.length;
        if (replayed >= MAX_REPLAY_EVENTS) {
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
