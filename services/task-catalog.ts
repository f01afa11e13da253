import { taskRegistry } from "../shared/engine/tasks/define-task";
import { demoTasks } from "./demo.tasks";
import { documentTasks } from "./documents.tasks";
import { enrichmentTasks } from "./enrichment.tasks";
import { ingestionTasks } from "./ingestion.tasks";
import { webhookTasks } from "./webhooks.tasks";

/**
 * Every task Conveyor knows, so the jobs service can validate payloads and route jobs to queues
 * without running the tasks itself (like Celery's app importing task modules). Add new task lists here.
 */
export const taskCatalog = taskRegistry([...demoTasks, ...webhookTasks, ...enrichmentTasks, ...documentTasks, ...ingestionTasks]);
