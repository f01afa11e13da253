import { redactedOptions } from "../../shared/db/ingestion/run-record";

describe("an ingestion run's options as the API shows them", () => {
  it("names the request headers but hides their values", () => {
    const stored = { url: "http://source.test/items", headers: { Authorization: "Bearer s3cret", "X-Team": "data" }, timeoutMs: 5000 };
    const shown = redactedOptions(stored);
    expect(shown).toEqual({ url: "http://source.test/items", headers: { Authorization: "[redacted]", "X-Team": "[redacted]" }, timeoutMs: 5000 });
    expect(JSON.stringify(shown)).not.toContain("s3cret");
    // The row keeps the values the worker sends.
    expect(stored.headers.Authorization).toBe("Bearer s3cret");
  });

  it("leaves options without headers as they are", () => {
    expect(redactedOptions({ path: "exports/users.csv", format: "csv" })).toEqual({ path: "exports/users.csv", format: "csv" });
  });
});
