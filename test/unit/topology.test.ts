import { RETRY_BUCKETS_MS, retryBucketFor, delayQueueName, workQueueName, deadQueueName, laneFor, laneQueueName, delayRoutingKey } from "../../shared/engine/queue/topology";
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
    expect(delayQueueName("conveyor", "ai", 500)).toBe("conveyor.ai.delay.500");
    expect(laneQueueName("conveyor", "ai", 0)).toBe("conveyor.ai");
    expect(laneQueueName("conveyor", "ai", 2)).toBe("conveyor.ai.lane2");
    expect(delayRoutingKey("ai", 500, 2)).toBe("ai.500.2");
  });
});

describe("priority lanes", () => {
  it("puts 0–3 in lane 0, 4–6 in lane 1 and 7–10 in lane 2", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(laneFor)).toEqual([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
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
