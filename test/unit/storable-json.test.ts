import { MAX_JSON_DEPTH, unstorableJsonReason } from "../../shared/lib/storable-json";

describe("unstorableJsonReason", () => {
  it("accepts ordinary JSON", () => {
    expect(unstorableJsonReason({ text: "héllo", list: [1, "two", null, { deep: true }] })).toBeUndefined();
  });

  it("names the path of a NUL character in a string or a key", () => {
    expect(unstorableJsonReason({ list: ["ok", "bad\u0000"] })).toMatch(/^payload\.list\[1\] holds a NUL/);
    expect(unstorableJsonReason({ ["k\u0000"]: 1 })).toMatch(/a key in payload holds a NUL/);
  });

  it("refuses nesting deeper than the limit", () => {
    let deep: unknown = "leaf";
    for (let level = 0; level < MAX_JSON_DEPTH + 1; level++) deep = { deep };
    expect(unstorableJsonReason(deep)).toMatch(/nested deeper than/);
  });
});
