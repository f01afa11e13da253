import { z } from "zod";

/**
 * Every setting Conveyor reads from the environment, with the defaults for a local machine.
 * The README's configuration table mirrors this schema.
 */
const integer = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const positive = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const csv = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value) => value.split(",").map((item) => item.trim()).filter(Boolean));

export const configSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().url().default("postgres://postgres@127.0.0.1:5432/postgres"),
  DATABASE_POOL_MAX: positive(10),
  AMQP_URL: z
    .string()
    .regex(/^amqps?:\/\//, "must start with amqp:// or amqps://")
    .default("amqp://guest:guest@127.0.0.1:5672"),
  TRANSPORTER: z
    .string()
    .regex(/^(amqps?|nats):\/\//, "must be an amqp://, amqps:// or nats:// URL")
    .optional(),
  NODE_ID: z.string().min(1).optional(),
  SERVICES: csv(""),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  /** json: one JSON object a line, with jobId, task and organizationId on lines written by a running job. */
  LOG_FORMAT: z.enum(["text", "json"]).default("text"),
  PORT: integer(3000),
  HOST: z.string().default("0.0.0.0"),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, "must look like 100kb or 1mb").default("1mb"),
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_.-]+$/i, "letters, digits, _ . - only").default("conveyor"),
  QUEUE_TYPE: z.enum(["quorum", "classic"]).default("quorum"),
  QUEUE_DELIVERY_LIMIT: positive(10),
  WORKER_QUEUES: csv(""),
  WORKER_PREFETCH: positive(200),
  /**
   * Fair shares: `queue=cap` pairs, comma-separated (e.g. `default=50,ai=5`). On a listed queue one
   * organization has at most `cap` jobs running at once, across every worker, so its backlog never
   * keeps the other organizations' jobs from starting. Unlisted queues have no cap.
   */
  QUEUE_FAIR_SHARES: z
    .string()
    .default("")
    .transform((value, ctx) => {
      const shares: Record<string, number> = {};
      for (const pair of value.split(",").map((item) => item.trim()).filter(Boolean)) {
        const match = /^([a-z0-9_-]{1,64})=([1-9][0-9]{0,5})$/.exec(pair);
        if (!match) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${pair}" is not queue=cap (a queue name and a positive integer)` });
          return z.NEVER;
        }
        shares[match[1]] = Number(match[2]);
      }
      return shares;
    }),
  /** A claimed job's lease in Postgres, renewed every third of it; a lost worker's job is taken over this long after its last renewal. */
  JOB_LEASE_MS: positive(15_000),
  /** Shutdowns and lost workers a job may live through on top of its attempts before it fails (InterruptionLimitExceeded). */
  JOB_MAX_INTERRUPTIONS: positive(5),
  /** An attempt running longer than this acks its message early (its lease stands for it), so RabbitMQ's consumer_timeout never closes the channel. */
  JOB_EARLY_ACK_MS: positive(300_000),
  OUTCOME_FLUSH_MS: integer(2),
  /** A succeeded job, with its events and webhook deliveries, is deleted this long after it finished. */
  JOB_RETENTION_SUCCEEDED_MS: positive(7 * 24 * 3_600_000),
  /** A failed or cancelled job is kept this long after it finished (it may be looked into or replayed). */
  JOB_RETENTION_FAILED_MS: positive(30 * 24 * 3_600_000),
  SWEEP_INTERVAL_MS: positive(5_000),
  /** A waiting job no worker has claimed this long, with no message sent since, is sent again (once; the claim drops the spare). */
  REPUBLISH_AFTER_MS: positive(60_000),
  SHUTDOWN_GRACE_MS: integer(10_000),
  METRICS_ENABLED: z
    .enum(["true", "false"])
    .default("true")
    .transform((value) => value === "true"),
  /** This node's own Prometheus endpoint; 0 picks a free port so several processes can share a host. */
  METRICS_PORT: integer(0),
  SSE_HEARTBEAT_MS: positive(15_000),
  SSE_MAX_PENDING_JOBS: positive(10_000),
  /** Addresses a tenant-supplied URL (ingestion source, webhook, callbackUrl) may reach besides public unicast ones: comma-separated CIDRs. */
  OUTBOUND_ALLOWED_CIDRS: csv(""),
  /** Redirects followed on a tenant-supplied URL, each checked by the outbound policy. */
  OUTBOUND_MAX_REDIRECTS: integer(5),
  /** An answer from a tenant-supplied URL larger than this fails (a streamed CSV/NDJSON source is one answer). */
  OUTBOUND_MAX_RESPONSE_BYTES: positive(256 * 1024 * 1024),
  /** One request to a tenant-supplied URL, redirects and body included, ends within this (an ingestion source's own timeoutMs overrides it). */
  OUTBOUND_TIMEOUT_MS: positive(600_000),
  /** JSON pages an ingestion run reads from an http source before it fails (a source that never stops paging). */
  INGESTION_MAX_PAGES: positive(10_000),
  /** A verified API key is trusted this long without asking Postgres again: a revoked key stops working within it. */
  API_KEY_CACHE_MS: positive(30_000),
  /** Signs stream tokens; every auth node must share it. Unset: a random secret per process (one auth node only). */
  STREAM_TOKEN_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** A stream token (POST /api/v1/stream-tokens) opens event streams for this long. */
  STREAM_TOKEN_TTL_MS: positive(300_000),
  /** Requests one API key may make per minute through one gateway; past it, 429 with Retry-After. 0 turns the limit off. */
  RATE_LIMIT_PER_MINUTE: integer(12_000),
  /** Event streams one API key may hold open on one gateway at once; past it, 429. */
  SSE_MAX_STREAMS_PER_KEY: positive(20),
  /** History one stream replays (Last-Event-ID) before it ends and the client reconnects from where it got to. */
  SSE_REPLAY_MAX_BYTES: positive(8 * 1024 * 1024),
  /** Required as a bearer token on GET /metrics when set; unset, /metrics on the API port answers 404 (scrape METRICS_PORT instead). */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Schedules one organization may have. */
  SCHEDULES_MAX_PER_ORGANIZATION: positive(1_000),
  /** The shortest gap between two runs of a schedule (intervalMs, or a cron expression's next two fires). */
  SCHEDULE_MIN_INTERVAL_MS: positive(1_000),
  /** Webhook subscriptions one organization may have. */
  WEBHOOK_SUBSCRIPTIONS_MAX_PER_ORGANIZATION: positive(100),
  /** Where uploaded files wait for their job; gateway and workers must see the same directory. */
  UPLOAD_DIR: z.string().min(1).default("uploads"),
  /** An upload larger than this is cut off while streaming and refused with 413. */
  UPLOAD_MAX_BYTES: positive(50 * 1024 * 1024),
  /** Bytes of uploaded files one organization may hold waiting for processing; past it, 413 QUOTA_EXCEEDED. */
  UPLOAD_QUOTA_BYTES: positive(1024 * 1024 * 1024),
  /** A PDF with more pages fails (permanently). */
  DOCUMENT_MAX_PAGES: positive(2_000),
  /** A document whose extracted text is longer fails. */
  DOCUMENT_MAX_TEXT_CHARS: positive(20_000_000),
  /** A DOCX that inflates to more than this fails before it is read (zip bombs). */
  DOCUMENT_MAX_INFLATED_BYTES: positive(200 * 1024 * 1024),
  /** A document that would make more chunks fails; an upload whose size and chunkSize obviously would is refused with 422. */
  DOCUMENT_MAX_CHUNKS: positive(100_000),
  /** One documents.process attempt running longer fails (TimeLimitExceededError, not retried). */
  DOCUMENT_TIME_LIMIT_MS: positive(30 * 60_000),
  /** Which enricher fills issues' aiSummary and tags: the built-in offline one, or an OpenAI-compatible API. */
  ENRICHER: z.enum(["offline", "openai"]).default("offline"),
  /** Base URL of the OpenAI-compatible API (the enricher POSTs to `<url>/chat/completions`). */
  ENRICHER_URL: z.string().url().optional(),
  ENRICHER_MODEL: z.string().min(1).optional(),
  /** Sent as a bearer token; local servers (Ollama, vLLM) often need none. */
  ENRICHER_API_KEY: z.string().min(1).optional(),
  /** An answer slower than this counts as a transient failure and the job is retried. */
  ENRICHER_TIMEOUT_MS: positive(30_000),
  /** Which embedder vectorises document chunks and search queries: the built-in offline one, or an OpenAI-compatible API. */
  EMBEDDER: z.enum(["offline", "openai"]).default("offline"),
  /** Base URL of the OpenAI-compatible API (the embedder POSTs to `<url>/embeddings`). */
  EMBEDDER_URL: z.string().url().optional(),
  EMBEDDER_MODEL: z.string().min(1).optional(),
  /** Sent as a bearer token; local servers often need none. */
  EMBEDDER_API_KEY: z.string().min(1).optional(),
  /** An embeddings answer slower than this counts as a transient failure and the job is retried. */
  EMBEDDER_TIMEOUT_MS: positive(30_000),
});

export type Config = z.infer<typeof configSchema>;

/** Rules between keys, which the object schema (whose keys the README table mirrors) cannot state. */
const checkedConfigSchema = configSchema.superRefine((value, ctx) => {
  const required = [
    ...(value.ENRICHER === "openai" ? (["ENRICHER_URL", "ENRICHER_MODEL"] as const) : []),
    ...(value.EMBEDDER === "openai" ? (["EMBEDDER_URL", "EMBEDDER_MODEL"] as const) : []),
  ];
  for (const key of required) {
    if (!value[key]) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [key], message: `is required when ${key.split("_")[0]}=openai` });
  }
});

export class ConfigError extends Error {}

/** Parses an environment; the error names every bad variable and why, so a typo fails loudly at start. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = checkedConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join("\n")}`);
  }
  return parsed.data;
}

let cached: Config | undefined;

/** The process-wide configuration, read once. */
export function config(): Config {
  cached ??= loadConfig();
  return cached;
}
