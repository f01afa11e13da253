import { API_PREFIX } from "../shared/http/api-paths";
import { CliError, EXIT, ExitCode } from "./exit-codes";


export type Query = Record<string, string | number | readonly string[] | undefined>;

/** A list answer of the API: one page and where the next one starts. */
export interface Page<Item> {
  items: Item[];
  nextCursor: string | null;
}

interface ApiErrorBody {
  error?: { code?: string; message?: string };
}

function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.unauthorized;
  if (status === 404) return EXIT.notFound;
  if (status >= 500 || status === 429) return EXIT.unavailable;
  return EXIT.refused;
}

/**
 * The tenant commands' way to the gateway: CONVEYOR_URL (default http://127.0.0.1:3000) and
 * CONVEYOR_API_KEY, sent as a bearer header. Every failure becomes a CliError with its exit code.
 */
export class GatewayClient {
  constructor(
    readonly baseUrl: string,
    readonly apiKey: string,
  ) {}

  static fromEnvironment(env: NodeJS.ProcessEnv = process.env): GatewayClient {
    const apiKey = env.CONVEYOR_API_KEY;
    if (!apiKey) throw new CliError("CONVEYOR_API_KEY is not set: create a key with `conveyor apikey create --org <name>`", EXIT.usage);
    return new GatewayClient((env.CONVEYOR_URL ?? "http://127.0.0.1:3000").replace(/\/+$/, ""), apiKey);
  }

  get headers(): Record<string, string> {
    return { authorization: `Bearer ${this.apiKey}` };
  }

  /** A query value given as a list repeats the parameter (`?status=queued&status=running`). */
  url(path: string, query: Query = {}): string {
    const url = new URL(`${API_PREFIX}${path}`, this.baseUrl);
    for (const [name, value] of Object.entries(query)) {
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) url.searchParams.append(name, String(item));
    }
    return url.toString();
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", this.url(path, query));
  }

  /** Every item of a paged list, following nextCursor. */
  async getAll<Item>(path: string, query: Query = {}): Promise<Item[]> {
    const items: Item[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.get<Page<Item>>(path, { ...query, limit: 500, cursor });
      items.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return items;
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", this.url(path), body);
  }

  private async request<T>(method: string, url: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...this.headers, accept: "application/json", ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(`Cannot reach the gateway at ${this.baseUrl} (${cause}); is it running? (CONVEYOR_URL)`, EXIT.unavailable);
    }
    const text = await response.text();
    const parsed: unknown = text ? safeJson(text) : undefined;
    if (!response.ok) {
      const error = (parsed as ApiErrorBody | undefined)?.error;
      const retry = response.headers.get("retry-after");
      const detail = error ? `${error.code ?? response.status}: ${error.message ?? ""}` : `HTTP ${response.status}`;
      throw new CliError(`${method} ${new URL(url).pathname} failed with ${response.status} ${detail}${retry ? ` (retry after ${retry} s)` : ""}`, exitCodeFor(response.status));
    }
    return parsed as T;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`The gateway answered something that is not JSON: ${text.slice(0, 200)}`, EXIT.error);
  }
}
