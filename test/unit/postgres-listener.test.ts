import { Client } from "pg";
import { PostgresListener } from "../../shared/engine/events/postgres-listener";
import { waitFor } from "../support/wait-for";

/**
 * The one LISTEN connection, against the real Postgres of this run's database. Its connection is
 * cut with pg_terminate_backend (never by restarting the shared server).
 */
const databaseUrl = process.env.DATABASE_URL as string;
const silent = { info: () => undefined, warn: () => undefined };
const APPLICATION = `listener_test_${process.pid}`;

describe("PostgresListener", () => {
  let listener: PostgresListener;
  let sender: Client;

  beforeEach(async () => {
    listener = new PostgresListener({ databaseUrl, logger: silent, applicationName: APPLICATION });
    sender = new Client({ connectionString: databaseUrl });
    await sender.connect();
  });

  afterEach(async () => {
    await listener.stop();
    await sender.end();
  });

  const notify = (channel: string, payload: string) => sender.query("SELECT pg_notify($1, $2)", [channel, payload]);

  it("hands each NOTIFY on its channel to the handler", async () => {
    const received: string[] = [];
    await listener.listen("listener_test_a", (payload) => received.push(payload));
    await notify("listener_test_a", "first");
    await notify("listener_test_other", "not for it");
    await notify("listener_test_a", "second");
    await waitFor(async () => received.length, (count) => count >= 2);
    expect(received).toEqual(["first", "second"]);
  });

  it("stops calling a handler once it unsubscribed, while others on the connection go on", async () => {
    const gone: string[] = [];
    const staying: string[] = [];
    const unsubscribe = await listener.listen("listener_test_gone", (payload) => gone.push(payload));
    await listener.listen("listener_test_staying", (payload) => staying.push(payload));
    await notify("listener_test_gone", "before");
    await waitFor(async () => gone.length, (count) => count === 1);

    await unsubscribe();
    await notify("listener_test_gone", "after");
    // One connection delivers in commit order: once the marker is in, "after" would have been too.
    await notify("listener_test_staying", "marker");
    await waitFor(async () => staying.length, (count) => count === 1);
    expect(gone).toEqual(["before"]);
  });

  it("serves every subscriber of a process over one connection", async () => {
    const first: string[] = [];
    const second: string[] = [];
    await listener.listen("listener_test_shared", (payload) => first.push(payload));
    await listener.listen("listener_test_shared", (payload) => second.push(payload));
    await listener.listen("listener_test_b", () => undefined);
    await notify("listener_test_shared", "both");
    await waitFor(async () => first.length + second.length, (count) => count === 2);
    expect([first, second]).toEqual([["both"], ["both"]]);
    const { rows } = await sender.query<{ count: string }>("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", [APPLICATION]);
    expect(rows[0].count).toBe("1");
  });

  it("re-LISTENs on a new connection after its own is killed, and tells the subscriber it reconnected", async () => {
    const received: string[] = [];
    const listening: boolean[] = [];
    await listener.listen("listener_test_reconnect", (payload) => received.push(payload), {
      onListening: (reconnected) => void listening.push(reconnected),
    });
    expect(listening).toEqual([false]);
    const killed = listener.backendPid;
    expect(killed).toEqual(expect.any(Number));

    await sender.query("SELECT pg_terminate_backend($1)", [killed]);
    await waitFor(async () => listening, (calls) => calls.length === 2);
    expect(listening).toEqual([false, true]);
    expect(listener.backendPid).not.toBe(killed);

    await notify("listener_test_reconnect", "after the reconnect");
    await waitFor(async () => received.length, (count) => count === 1);
    expect(received).toEqual(["after the reconnect"]);
  });

  it("gives up waiting for a server it cannot reach once the subscriber's signal aborts, and stops", async () => {
    const unreachable = new URL(databaseUrl);
    unreachable.port = "1"; // nothing listens there: every connect fails, and it keeps retrying
    const stranded = new PostgresListener({ databaseUrl: unreachable.toString(), logger: silent, applicationName: APPLICATION });
    const cancelled = new AbortController();
    const received: string[] = [];
    const listening = stranded.listen("listener_test_stranded", (payload) => received.push(payload), { signal: cancelled.signal });
    cancelled.abort();
    await expect(listening).resolves.toEqual(expect.any(Function));
    await stranded.stop();
    expect(stranded.backendPid).toBeUndefined();
    expect(received).toEqual([]);
  });

  it("refuses a channel name it would have to quote", async () => {
    await expect(listener.listen("x; DROP TABLE jobs", () => undefined)).rejects.toThrow(/channel name/);
  });
});
