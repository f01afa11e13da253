/** Every queue name the tests route jobs to; the teardown deletes their topology. */
export const TEST_QUEUES = ["default", "ai", "datasync", "documents", "isolated", "limit_probe"];
