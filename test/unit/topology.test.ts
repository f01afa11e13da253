import { RETRY_BUCKETS_MS, retryBucketFor, retryQueueName, workQueueName, deadQueueName } from "../../shared/engine/queue/topology";
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
  it("routes by the task name's prefix", () => {
    expect(queueForTask("ai.enrich_issue")).toBe("ai");
    expect(queueForTask("datasync.pull")).toBe("datasync");
    expect(queueForTask("documents.process")).toBe("documents");
    expect(queueForTask("demo.echo")).toBe("default");
  });
});
