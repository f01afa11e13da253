import { RETRY_BUCKETS_MS, retryBucketFor, retryQueueName, workQueueName, deadQueueName } from "../../shared/engine/queue/topology";
import { QUEUE_ROUTES } from "../../services/task-declarations/queue-routes";
import { queueForTask } from "../../shared/engine/tasks/queue-routing";

describe("retry buckets", () => {
  it("picks the longest bucket that does not overshoot the delay", () => {
    expect(retryBucketFor(1_000)).toBe(1_000);
    expect(retryBucketFor(1_999)).toBe(1_000);
    expect(retryBucketFor(45_000)).toBe(30_000);
  });

  it("uses the shortest bucket for delays shorter than it, and the longest for very long ones", () => {
    expect(retryBucketFor(0)).toBe(RETRY_BUCKETS_MS[0]);
    expect(retryBucketFor(24 * 3_600_000)).toBe(RETRY_BUCKETS_MS[RETRY_BUCKETS_MS.length - 1]);
  });

  it("names queues under the prefix", () => {
    expect(workQueueName("conveyor", "ai")).toBe("conveyor.ai");
    expect(deadQueueName("conveyor", "ai")).toBe("conveyor.ai.dead");
    expect(retryQueueName("conveyor", "ai", 500)).toBe("conveyor.ai.retry.500");
  });
});

describe("queueForTask", () => {
  it("routes by the task name's prefix, through the routes declared with the tasks", () => {
    expect(queueForTask("ai.enrich_issue", QUEUE_ROUTES)).toBe("ai");
    expect(queueForTask("datasync.pull", QUEUE_ROUTES)).toBe("datasync");
    expect(queueForTask("documents.process", QUEUE_ROUTES)).toBe("documents");
    expect(queueForTask("demo.echo", QUEUE_ROUTES)).toBe("default");
  });

  it("knows no domain of its own: without routes every task goes to the default queue", () => {
    expect(queueForTask("ai.enrich_issue", {})).toBe("default");
    expect(queueForTask("constructor.x", QUEUE_ROUTES)).toBe("default");
  });
});
