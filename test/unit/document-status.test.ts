import { documentStatusOf } from "../../shared/db/documents/document-record";

describe("a document's public status", () => {
  it("is the document's own while its job runs or after the job recorded it", () => {
    expect(documentStatusOf({ status: "queued", job_status: "queued" })).toBe("queued");
    expect(documentStatusOf({ status: "processing", job_status: "running" })).toBe("processing");
    expect(documentStatusOf({ status: "ready", job_status: "succeeded" })).toBe("ready");
    expect(documentStatusOf({ status: "failed", job_status: "failed" })).toBe("failed");
    expect(documentStatusOf({ status: "ready", job_status: null })).toBe("ready");
  });

  it("follows a job that ended without recording it: cancelled while queued, or dead-lettered", () => {
    expect(documentStatusOf({ status: "queued", job_status: "cancelled" })).toBe("cancelled");
    expect(documentStatusOf({ status: "processing", job_status: "failed" })).toBe("failed");
  });
});
