import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { ServiceBroker } from "moleculer";
import GatewayService from "../../services/gateway.service";
import { openApiDocument } from "../../services/gateway/openapi";
import { API_PREFIX } from "../../shared/http/api-paths";

/** One gateway alias as OpenAPI names it: method and path template under the document's server. */
export interface DocumentedRoute {
  method: string;
  /** `/jobs/{id}` for `/api/v1/jobs/:id`; `/health` for routes outside /api/v1. */
  path: string;
}

/** `:id` → `{id}`, and the path as the document keys it (relative to /api/v1 when under it). */
function documentPath(routePath: string, alias: string): string {
  const full = `${routePath.replace(/\/$/, "")}/${alias.replace(/^\//, "")}`.replace(/\/$/, "") || "/";
  const templated = full.replace(/:([A-Za-z]+)/g, "{$1}");
  return templated.startsWith(`${API_PREFIX}/`) ? templated.slice(API_PREFIX.length) : templated;
}

/** Every alias the gateway serves, read from its own route settings (the service is created, not started). */
export function gatewayRoutes(): DocumentedRoute[] {
  const broker = new ServiceBroker({ logger: false, transporter: null });
  const gateway = broker.createService(GatewayService) as unknown as {
    settings: { routes: { path: string; aliases: Record<string, unknown> }[] };
  };
  return gateway.settings.routes.flatMap((route) =>
    Object.keys(route.aliases).map((alias) => {
      const [method, aliasPath] = alias.split(/\s+/);
      return { method: method.toLowerCase(), path: documentPath(route.path, aliasPath ?? "") };
    }),
  );
}

/** Every operation in the OpenAPI document. */
export function documentedRoutes(): DocumentedRoute[] {
  return Object.entries(openApiDocument().paths).flatMap(([path, entry]) =>
    Object.keys(entry)
      .filter((key) => ["get", "post", "put", "patch", "delete"].includes(key))
      .map((method) => ({ method, path })),
  );
}

type Json = Record<string, unknown>;

/**
 * A validator for the document's schemas (OpenAPI 3.1 uses JSON Schema 2020-12), with the
 * components registered so `$ref`s resolve.
 */
export function documentValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: "conveyor", components: openApiDocument().components } as Json);
  const withBase = (schema: unknown): Json =>
    JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"conveyor#/components/')) as Json;
  const operation = (method: string, path: string): Json => {
    const entry = (openApiDocument().paths as Record<string, Json>)[path];
    const found = entry?.[method] as Json | undefined;
    if (!found) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
    return found;
  };
  return {
    /** Errors of a JSON answer against the documented schema of that route and status ([] when it matches). */
    responseErrors(method: string, path: string, status: number, body: unknown): string[] {
      const answer = (operation(method, path).responses as Record<string, Json>)[String(status)];
      if (!answer) return [`${method.toUpperCase()} ${path} documents no ${status} answer`];
      const schema = ((answer.content as Json | undefined)?.["application/json"] as Json | undefined)?.schema;
      if (!schema) return [`${method.toUpperCase()} ${path} ${status} documents no JSON body`];
      const validate = ajv.compile(withBase(schema));
      return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`);
    },
    /** Errors of a request body against the route's documented request schema. */
    requestErrors(method: string, path: string, body: unknown): string[] {
      const content = ((operation(method, path).requestBody as Json | undefined)?.content ?? {}) as Json;
      const schema = (content["application/json"] as Json | undefined)?.schema;
      if (!schema) return [`${method.toUpperCase()} ${path} documents no JSON request body`];
      const validate = ajv.compile(withBase(schema));
      return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}`);
    },
  };
}
