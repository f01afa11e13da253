import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { Middleware, ServiceBroker, ServiceSchema } from "moleculer";
import AuthService from "../../services/auth.service";
import DemoService from "../../services/demo.service";
import DocumentsService from "../../services/documents.service";
import EnrichmentService from "../../services/enrichment.service";
import IngestionService from "../../services/ingestion.service";
import GatewayService from "../../services/gateway.service";
import JobsService from "../../services/jobs.service";
import NotifierService from "../../services/notifier.service";
import SchedulerService from "../../services/scheduler.service";
import SchedulesService from "../../services/schedules.service";
import WebhooksService from "../../services/webhooks.service";
import { createApiKey, createOrganization } from "../../shared/db/api-keys";
import { createDb, Db, migrateLatest } from "../../shared/db/knex";
import type { PublicJob } from "../../shared/db/jobs/job-record";
import { metricsOptions } from "../../shared/engine/metrics";
import { conveyorMiddlewareOptions } from "../../shared/engine/worker/broker-middlewares";

export interface Stack {
  broker: ServiceBroker;
  /** A separate pool for assertions, so tests never share the services' connections. */
  db: Db;
  baseUrl: string;
  apiKey: string;
  organizationId: string;
  /** Calls an action as the stack's organization. */
  call<T>(action: string, params?: object): Promise<T>;
  /** HTTP request to the gateway with the stack's API key. */
  http(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Headers }>;
  job(id: string): Promise<PublicJob>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Which services to run; defaults to gateway, auth, jobs and demo. */
  services?: (keyof typeof SERVICES)[];
  extraServices?: ServiceSchema[];
  /** A real transporter URL makes this node one of several; by default the node is alone. */
  transporter?: string;
  nodeID?: string;
  /** Broker middlewares added after the tasks middleware (e.g. one that watches transporter packets). */
  middlewares?: Middleware[];
}

const SERVICES = {
  gateway: GatewayService,
  auth: AuthService,
  jobs: JobsService,
  demo: DemoService,
  notifier: NotifierService,
  webhooks: WebhooksService,
  scheduler: SchedulerService,
  schedules: SchedulesService,
  enrichment: EnrichmentService,
  documents: DocumentsService,
  ingestion: IngestionService,
} as const;

/** An in-process Conveyor node on the real Postgres and RabbitMQ, plus an organization and API key. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const db = createDb();
  await migrateLatest(db);
  const organizationId = await createOrganization(db, `test-${Date.now()}`);
  const apiKey = await createApiKey(db, organizationId, "test");

  const broker = new ServiceBroker({
    namespace: process.env.QUEUE_PREFIX,
    transporter: options.transporter ?? null,
    nodeID: options.nodeID,
    logger: { type: "Console", options: { level: process.env.LOG_LEVEL ?? "warn" } },
    ...conveyorMiddlewareOptions(options.middlewares),
    metrics: metricsOptions(true, 0),
    skipProcessEventRegistration: true,
  });
  for (const name of options.services ?? (["gateway", "auth", "jobs", "demo"] as const)) {
    broker.createService(SERVICES[name] as ServiceSchema);
  }
  for (const schema of options.extraServices ?? []) broker.createService(schema);
  await broker.start();

  const gateway = broker.getLocalService("gateway") as unknown as { server?: Server } | undefined;
  const port = gateway?.server ? (gateway.server.address() as AddressInfo).port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;

  const stack: Stack = {
    broker,
    db,
    baseUrl,
    apiKey,
    organizationId,
    call: (action, params = {}) => broker.call(action, params, { meta: { organizationId } }),
    async http(method, path, body, headers = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON; the test sees the raw text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    job: (id) => broker.call("jobs.get", { id }, { meta: { organizationId } }),
    async stop() {
      await broker.stop();
      await db.destroy();
    },
  };
  return stack;
}
