import { ConfigError, loadConfig } from "../../config";

describe("loadConfig", () => {
  it("has working defaults for a local machine", () => {
    const config = loadConfig({});
    expect(config.AMQP_URL).toBe("amqp://guest:guest@127.0.0.1:5672");
    expect(config.PORT).toBe(3000);
    expect(config.WORKER_QUEUES).toEqual([]);
  });

  it("parses numbers and lists from strings", () => {
    const config = loadConfig({ PORT: "8080", WORKER_QUEUES: "ai, datasync", SERVICES: "jobs,gateway" });
    expect(config.PORT).toBe(8080);
    expect(config.WORKER_QUEUES).toEqual(["ai", "datasync"]);
    expect(config.SERVICES).toEqual(["jobs", "gateway"]);
  });

  it("accepts a NATS transporter and refuses anything else", () => {
    expect(loadConfig({ TRANSPORTER: "nats://127.0.0.1:4222" }).TRANSPORTER).toBe("nats://127.0.0.1:4222");
    expect(() => loadConfig({ TRANSPORTER: "redis://x" })).toThrow(/TRANSPORTER/);
  });

  it("names every bad variable in one error", () => {
    let error: unknown;
    try {
      loadConfig({ AMQP_URL: "http://rabbit", WORKER_PREFETCH: "zero", QUEUE_TYPE: "stream" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/AMQP_URL: must start with amqp/);
    expect(message).toMatch(/WORKER_PREFETCH/);
    expect(message).toMatch(/QUEUE_TYPE/);
  });
});
