import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import ApiGateway, { GatewayResponse, IncomingRequest, Route } from "moleculer-web";
import { config } from "../config";
import { unauthorized } from "../shared/api-errors";
import type { PublicJob } from "../shared/db/jobs/job-record";
import type { CallerMeta } from "./jobs.service";
import { sendJson, toErrorResponse } from "./gateway/error-response";
import { openApiDocument } from "./gateway/openapi";

const API_PREFIX = "/api/v1";
const statusUrl = (id: string) => `${API_PREFIX}/jobs/${id}`;

function apiKeyOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (header?.startsWith("Bearer ")) return header.slice("Bearer ".length).trim();
  const explicit = req.headers["x-api-key"];
  return typeof explicit === "string" ? explicit : undefined;
}

/** HTTP status and Location for the actions whose answer is not a plain 200. */
function shapeResponse(actionName: string, res: GatewayResponse, data: unknown): unknown {
  if (actionName === "jobs.enqueue") {
    const { job, created } = data as { job: PublicJob; created: boolean };
    res.statusCode = created ? 202 : 200;
    res.setHeader("Location", statusUrl(job.id));
    return { ...job, statusUrl: statusUrl(job.id) };
  }
  if (actionName === "jobs.enqueueMany") {
    res.statusCode = 202;
    const { jobs } = data as { jobs: PublicJob[] };
    return { jobs: jobs.map((job) => ({ ...job, statusUrl: statusUrl(job.id) })) };
  }
  if (actionName === "jobs.replay") {
    res.statusCode = 202;
    const job = data as PublicJob;
    return { ...job, statusUrl: statusUrl(job.id) };
  }
  return data;
}

/** REST front door: API-key auth, validation errors as JSON, OpenAPI, health and readiness. */
const GatewayService: ServiceSchema = {
  name: "gateway",
  mixins: [ApiGateway],

  settings: {
    port: config().PORT,
    ip: config().HOST,
    log4XXResponses: false,
    onError(_req: IncomingMessage, res: ServerResponse, error: Error) {
      const { status, body } = toErrorResponse(error);
      sendJson(res, status, body);
    },
    routes: [
      {
        path: API_PREFIX,
        authentication: true,
        mappingPolicy: "restrict",
        bodyParsers: { json: { limit: config().BODY_LIMIT, strict: true }, urlencoded: false },
        aliases: {
          "POST jobs": "jobs.enqueue",
          "POST jobs/bulk": "jobs.enqueueMany",
          "GET jobs": "jobs.list",
          "GET jobs/dead-letters": "jobs.deadLetters",
          "GET jobs/:id": "jobs.get",
          "GET jobs/:id/events": "jobs.events",
          "DELETE jobs/:id": "jobs.cancel",
          "POST jobs/:id/cancel": "jobs.cancel",
          "POST jobs/:id/retry": "jobs.replay",
          "GET tasks": "jobs.tasks",
        },
        onAfterCall(_ctx: Context, _route: Route, req: IncomingRequest, res: GatewayResponse, data: unknown) {
          return shapeResponse(req.$action.name ?? "", res, data);
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
          [`GET ${API_PREFIX.slice(1)}/openapi.json`](_req: IncomingMessage, res: ServerResponse) {
            sendJson(res, 200, openApiDocument);
          },
        },
      },
    ],
  },

  methods: {
    /** Resolves the API key to its organization; every /api/v1 call then runs as that organization. */
    async authenticate(ctx: Context<unknown, CallerMeta>, _route: Route, req: IncomingRequest) {
      const apiKey = apiKeyOf(req);
      if (!apiKey) throw unauthorized();
      const { organizationId } = await ctx.call<{ organizationId: string }, { apiKey: string }>("auth.authenticate", {
        apiKey,
      });
      ctx.meta.organizationId = organizationId;
      return { organizationId };
    },
  },
};

export default GatewayService;
