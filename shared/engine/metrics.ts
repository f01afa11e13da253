import type { ServiceBroker } from "moleculer";

/**
 * Conveyor's metrics (Prometheus names: dots become underscores, e.g. conveyor_jobs_enqueued_total), kept in Moleculer's metric registry (so they sit beside its own request and
 * event metrics) and exported by its Prometheus reporter: on every node at METRICS_PORT, and on the
 * gateway at /metrics for that node.
 */
export const METRIC = {
  enqueued: "conveyor.jobs.enqueued.total",
  started: "conveyor.jobs.started.total",
  succeeded: "conveyor.jobs.succeeded.total",
  failed: "conveyor.jobs.failed.total",
  retried: "conveyor.jobs.retried.total",
  interrupted: "conveyor.jobs.interrupted.total",
  outcomesRefused: "conveyor.jobs.outcomes.refused.total",
  duration: "conveyor.jobs.duration.seconds",
  queueReady: "conveyor.queue.ready",
  queueDelayed: "conveyor.queue.delayed",
  queueDead: "conveyor.queue.dead",
  queueConsumers: "conveyor.queue.consumers",
  sseClients: "conveyor.sse.clients",
  schedulerLag: "conveyor.scheduler.lag.seconds",
  webhookPlanningLag: "conveyor.webhooks.planning.lag.events",
  webhookOutbox: "conveyor.webhooks.outbox.deliveries",
  webhookPlanningFailures: "conveyor.webhooks.planning.failures.total",
} as const;

const JOB_LABELS = ["task", "queue"];
const QUEUE_LABELS = ["queue"];

/** Registers every Conveyor metric once per broker; a no-op when metrics are disabled. */
export function registerMetrics(broker: ServiceBroker): void {
  if (!broker.isMetricsEnabled() || broker.metrics.hasMetric(METRIC.enqueued)) return;
  const counter = (name: string, description: string) =>
    broker.metrics.register({ name, type: "counter", labelNames: JOB_LABELS, description, unit: "jobs" });
  counter(METRIC.enqueued, "Jobs accepted");
  counter(METRIC.started, "Attempts started");
  counter(METRIC.succeeded, "Jobs that succeeded");
  counter(METRIC.failed, "Jobs that failed for good");
  counter(METRIC.retried, "Attempts that failed and were scheduled again");
  counter(METRIC.interrupted, "Attempts cut short by a worker shutdown, re-queued without using up an attempt");
  counter(METRIC.outcomesRefused, "Outcomes of attempts that no longer held their job (cancelled, replayed or taken over), dropped");
  broker.metrics.register({
    name: METRIC.duration,
    type: "histogram",
    labelNames: JOB_LABELS,
    description: "Duration of an attempt",
    unit: "seconds",
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
  });
  const gauge = (name: string, description: string) =>
    broker.metrics.register({ name, type: "gauge", labelNames: QUEUE_LABELS, description });
  gauge(METRIC.queueReady, "Messages ready in the work queue");
  gauge(METRIC.queueDelayed, "Messages waiting in the delay (retry) queues");
  gauge(METRIC.queueDead, "Messages in the dead-letter queue");
  gauge(METRIC.queueConsumers, "Consumers on the work queue");
  broker.metrics.register({ name: METRIC.sseClients, type: "gauge", description: "Connected SSE clients" });
  broker.metrics.register({
    name: METRIC.schedulerLag,
    type: "histogram",
    description: "From a schedule's fire time to its job being enqueued",
    unit: "seconds",
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 60],
  });
  broker.metrics.register({
    name: METRIC.webhookPlanningLag,
    type: "gauge",
    description: "Job events after the webhook planner's checkpoint (not yet planned for good)",
  });
  broker.metrics.register({
    name: METRIC.webhookOutbox,
    type: "gauge",
    description: "Planned webhook deliveries whose delivery job is not enqueued yet",
  });
  broker.metrics.register({
    name: METRIC.webhookPlanningFailures,
    type: "counter",
    labelNames: ["stage"],
    description: "Webhook planning failures, by stage: plan (a page of events), organization (one organization's deliveries), enqueue (delivery jobs)",
  });
}

/** Counts a batch's jobs by task and queue: one registry update per pair, not per job. */
export function countJobsOf(broker: ServiceBroker, name: string, jobs: Iterable<{ task: string; queue: string }>): void {
  const counts = new Map<string, { task: string; queue: string; count: number }>();
  for (const { task, queue } of jobs) {
    const key = `${task}\u0000${queue}`;
    const entry = counts.get(key);
    if (entry) entry.count++;
    else counts.set(key, { task, queue, count: 1 });
  }
  for (const { task, queue, count } of counts.values()) countJobs(broker, name, task, queue, count);
}

export function countJobs(broker: ServiceBroker, name: string, task: string, queue: string, count = 1): void {
  broker.metrics.increment(name, { task, queue }, count);
}

export function observeDuration(broker: ServiceBroker, task: string, queue: string, seconds: number): void {
  broker.metrics.observe(METRIC.duration, seconds, { task, queue });
}

interface PrometheusOutput {
  generatePrometheusResponse(): string;
}
type Reporter = ServiceBroker["metrics"]["reporter"][number];
const writesPrometheus = (reporter: Reporter): reporter is Reporter & PrometheusOutput =>
  typeof (reporter as Partial<PrometheusOutput>).generatePrometheusResponse === "function";

/** This node's metrics in Prometheus text format, from its Prometheus reporter (undefined if none). */
export function prometheusText(broker: ServiceBroker): string | undefined {
  if (!broker.isMetricsEnabled()) return undefined;
  return broker.metrics.reporter.find(writesPrometheus)?.generatePrometheusResponse();
}

/** Broker options that turn metrics on with the Prometheus reporter on `port` (0: any free port). */
export function metricsOptions(enabled: boolean, port: number) {
  return {
    enabled,
    reporter: [{ type: "Prometheus", options: { port, path: "/metrics" } }],
  };
}
