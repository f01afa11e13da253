import { createServer, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Answers one request: `times` is how often this path and query was asked before (0 the first time),
 * so a route can fail once and then answer.
 */
export type SourceRoute = (url: URL, res: ServerResponse, times: number) => void;

/** A local HTTP server serving records for ingestion tests; it remembers every path and query asked. */
export async function startRecordSource(routes: Record<string, SourceRoute>, host = "127.0.0.1"): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const key = `${url.pathname}${url.search}`;
    const times = requests.filter((seen) => seen === key).length;
    requests.push(key);
    const route = routes[url.pathname];
    if (route) route(url, res, times);
    else res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const sendJson = (res: ServerResponse, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(200, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
