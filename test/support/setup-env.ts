// Test defaults, applied before any module reads the configuration. Short leases keep crash tests quick.
process.env.NODE_ENV = "test";
process.env.LOG_LEVEL ??= "error";
process.env.PORT = "0";
process.env.HOST = "127.0.0.1";
process.env.JOB_LEASE_MS ??= "2000";
process.env.SWEEP_INTERVAL_MS ??= "1000";
process.env.REPUBLISH_AFTER_MS ??= "3000";
process.env.SHUTDOWN_GRACE_MS ??= "2000";
process.env.METRICS_PORT ??= "0"; // several nodes share this machine in tests
// The suite's receivers (webhooks, callbacks, ingestion sources) listen on loopback, which the outbound
// policy refuses unless allowed; test/integration/outbound-policy.test.ts narrows this to show the refusal.
process.env.OUTBOUND_ALLOWED_CIDRS ??= "127.0.0.1/32";
// Operator's token for GET /metrics on the API port (test/support/stack.ts scrapes with it).
process.env.METRICS_TOKEN ??= "test-metrics-token-0123456789";
// Tests drive thousands of requests through one key; test/integration/edge-limits.test.ts sets a low limit.
process.env.RATE_LIMIT_PER_MINUTE ??= "0";
