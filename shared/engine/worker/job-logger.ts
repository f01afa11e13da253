import type { LoggerInstance, LogLevels, ServiceBroker } from "moleculer";

export interface JobLogFields {
  jobId: string;
  task: string;
  organizationId: string;
}

type LogHandler = (level: LogLevels, args: unknown[]) => void;

/** The part of Moleculer's logger factory this module uses: its appenders' documented getLogHandler. */
interface LoggerFactoryView {
  loggerFactory: { appenders: { getLogHandler(bindings: object): LogHandler | null }[] };
}

const LEVELS: LogLevels[] = ["fatal", "error", "warn", "info", "debug", "trace"];

/**
 * A logger whose every line carries the job's id, task and organization. `broker.getLogger()` cannot
 * do this: Moleculer caches loggers by node, namespace and module only, so the first job's fields
 * would stick to every later job's lines. This asks each configured appender for a handler with the
 * job's bindings instead (the same call Moleculer makes), so formats, levels and destinations stay
 * exactly as configured.
 */
export function createJobLogger(broker: ServiceBroker, fields: JobLogFields): LoggerInstance {
  const bindings = { nodeID: broker.nodeID, ns: broker.namespace, mod: "task", ...fields };
  const handlers = (broker as unknown as LoggerFactoryView).loggerFactory.appenders
    .map((appender) => appender.getLogHandler(bindings))
    .filter((handler): handler is LogHandler => handler !== null);
  const logger = {} as Record<LogLevels, (...args: unknown[]) => void>;
  for (const level of LEVELS) logger[level] = (...args) => handlers.forEach((handler) => handler(level, args));
  return logger as LoggerInstance;
}
