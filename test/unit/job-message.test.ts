import { decodeJobMessage, encodeJobMessage } from "../../shared/engine/queue/job-message";

const id = "01a23d05-cad8-7432-881a-16e4ec2b6b77";
const raw = (value: unknown) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value));

describe("job messages", () => {
  it("decode what they encode, leaving out the flags that say nothing", () => {
    expect(decodeJobMessage(encodeJobMessage({ id, task: "demo.echo" }))).toEqual({ id, task: "demo.echo" });
    expect(decodeJobMessage(encodeJobMessage({ id, task: "t", keyed: true, priority: 7 }))).toEqual({ id, task: "t", keyed: true, priority: 7 });
    expect(encodeJobMessage({ id, task: "t", keyed: false, priority: 0 }).toString()).toBe(JSON.stringify({ id, task: "t" }));
  });

  it("refuse what is not a Conveyor job message", () => {
    for (const content of [
      "not json",
      "null",
      "[]",
      { task: "t" },
      { id: "not-a-uuid", task: "t" },
      { id, task: 3 },
      { id, task: "t", keyed: false },
      { id, task: "t", priority: 0 },
      { id, task: "t", priority: 11 },
      { id, task: "t", priority: 2.5 },
      { id, task: "t", priority: "5" },
    ]) {
      expect(decodeJobMessage(raw(content))).toBeUndefined();
    }
  });
});
