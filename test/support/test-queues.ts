import { taskCatalog } from "../../services/task-catalog";

/**
 * Every queue name the tests route jobs to: the task catalog's (the jobs service declares them all)
 * and the test-only ones. The teardown deletes their topology, so runs do not pile up quorum queues.
 */
export const TEST_QUEUES = [...new Set([...taskCatalog.values()].map((task) => task.queue)), "isolated", "limit_probe"];
