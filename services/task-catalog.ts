import { TaskDeclaration, taskRegistry } from "../shared/engine/tasks/define-task";
import { demoTasks } from "./task-declarations/demo";
import { documentTasks } from "./task-declarations/documents";
import { enrichmentTasks } from "./task-declarations/enrichment";
import { ingestionTasks } from "./task-declarations/ingestion";
import { webhookTasks } from "./task-declarations/webhooks";

/** The tasks each service runs, by service name (its file: services/<name>.service.ts). */
export function tasksByService(): Record<string, readonly TaskDeclaration[]> {
  return { demo: demoTasks, webhooks: webhookTasks, enrichment: enrichmentTasks, documents: documentTasks, ingestion: ingestionTasks };
}

/**
 * Every task Conveyor knows, so the jobs service can validate payloads and route jobs to queues
 * without running the tasks itself (like Celery's app importing task modules). It holds declarations
 * only (services/task-declarations/), so loading it loads none of the tasks' libraries (mammoth,
 * pdf-parse, wink-nlp). Add new declaration lists here.
 */
export const taskCatalog: Map<string, TaskDeclaration> = taskRegistry<TaskDeclaration>(Object.values(tasksByService()).flat());

/** Every queue some task routes to. */
export function catalogQueues(): string[] {
  return [...new Set([...taskCatalog.values()].map((task) => task.queue))];
}
