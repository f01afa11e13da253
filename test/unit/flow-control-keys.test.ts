import { describeFlowKey } from "../../shared/db/jobs/flow-control-state";

const ORGANIZATION = "5f0c7a52-6a43-4a43-9a57-0d7f5d3c1e11";

/** How the flow-control view reads a stored key's prefix (job-enqueuer.ts writes them). */
describe("describeFlowKey", () => {
  it("reads an organization's key, keeping colons in the key itself", () => {
    expect(describeFlowKey(`org:${ORGANIZATION}:source:42`, ORGANIZATION)).toEqual({ key: `org:${ORGANIZATION}:source:42`, scope: "organization", name: "source:42", task: null });
  });

  it("reads a task's key: the task name ends at the first colon (task names have none)", () => {
    expect(describeFlowKey(`task:datasync.ingest:${ORGANIZATION}:src-1`, ORGANIZATION)).toEqual({
      key: `task:datasync.ingest:${ORGANIZATION}:src-1`,
      scope: "task",
      name: `${ORGANIZATION}:src-1`,
      task: "datasync.ingest",
    });
    expect(describeFlowKey("task:ai.enrich_issue:", ORGANIZATION)).toMatchObject({ scope: "task", name: "", task: "ai.enrich_issue" });
  });

  it("shows a key of neither form whole", () => {
    expect(describeFlowKey("legacy-key", ORGANIZATION)).toEqual({ key: "legacy-key", scope: "organization", name: "legacy-key", task: null });
    expect(describeFlowKey("task:", ORGANIZATION)).toMatchObject({ scope: "organization", name: "task:" });
  });
});
