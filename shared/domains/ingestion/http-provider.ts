import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { Response } from "undici";
import { config } from "../../../config";
import { z } from "zod";
import { PermanentError } from "../../engine/tasks/task-errors";
import { outboundUrlSchema } from "../../http/outbound/outbound-url";
import { fetchSource, sourceError } from "./http-fetch";
import { commonOptions, IngestionProvider, InvalidRow, SourceBatch, SourceRow } from "./provider";
import { recordFilterSchema } from "./record-filter";
import { rowsOf } from "./row-streams";
import { rowsConsumed, streamBatches } from "./stream-batches";

const options = commonOptions
  .extend({
    url: outboundUrlSchema,
    /** json: pages of records; csv and ndjson: one streamed answer. */
    format: z.enum(["json", "csv", "ndjson"]).default("json"),
    /**
     * How json pages follow each other. none: one answer; page: `?page=N` until a page is empty;
     * cursor: `?cursor=<the answer's nextCursor>` until it is null; next: the answer's `next` URL or
     * its `Link: <…>; rel="next"` header, until there is none.
     */
    pagination: z.enum(["none", "page", "cursor", "next"]).default("none"),
    pageParam: z.string().min(1).default("page"),
    startPage: z.number().int().min(0).default(1),
    cursorParam: z.string().min(1).default("cursor"),
    cursorField: z.string().min(1).default("nextCursor"),
    nextField: z.string().min(1).default("next"),
    /** Where a json answer's records are when it is an object: defaults to `items`, then `data`. */
    itemsField: z.string().min(1).optional(),
    /** A json answer's count of all records, for progress; an `X-Total-Count` header works too. */
    totalField: z.string().min(1).default("total"),
    /** Sent with every request (an Authorization header, say). Stored with the run: prefer scoped tokens. */
    headers: z.record(z.string()).default({}),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  })
  .strict()
  .refine((value) => value.format === "json" || value.pagination === "none", {
    message: "csv and ndjson answers are streamed whole; pagination applies to json",
    path: ["pagination"],
  });
type HttpOptions = z.infer<typeof options>;

const totalHeader = (response: Response): number | undefined => {
  const total = Number(response.headers.get("x-total-count") ?? NaN);
  return Number.isInteger(total) && total >= 0 ? total : undefined;
};

/** The URL of `rel="next"` in a Link header. */
function linkNext(response: Response, base: string): string | undefined {
  const match = /<([^>]+)>\s*;\s*rel="?next"?/i.exec(response.headers.get("link") ?? "");
  return match ? new URL(match[1], base).toString() : undefined;
}

interface JsonPage {
  rows: SourceRow[];
  total?: number;
  next: string | null;
}

const withParam = (url: string, name: string, value: string | number) => {
  const next = new URL(url);
  next.searchParams.set(name, String(value));
  return next.toString();
};

/** One json answer's records, its total and the URL of the page after it. */
function readPage(url: string, body: unknown, response: Response, parsed: HttpOptions): JsonPage {
  const object = typeof body === "object" && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  const items = Array.isArray(body) ? body : object && (parsed.itemsField ? object[parsed.itemsField] : object.items ?? object.data);
  if (!Array.isArray(items)) {
    throw new PermanentError(`${url} answered JSON without an array of records (${parsed.itemsField ?? "items or data"})`);
  }
  const rows = items.map((item: unknown, index) =>
    typeof item === "object" && item !== null && !Array.isArray(item) ? (item as Record<string, unknown>) : new InvalidRow(`item ${index} is not an object`),
  );
  const totalValue = object?.[parsed.totalField];
  const total = typeof totalValue === "number" ? totalValue : totalHeader(response);
  let next: string | null = null;
  if (parsed.pagination === "page" && items.length > 0) {
    const current = Number(new URL(url).searchParams.get(parsed.pageParam) ?? parsed.startPage);
    next = withParam(url, parsed.pageParam, current + 1);
  } else if (parsed.pagination === "cursor") {
    const cursor = object?.[parsed.cursorField];
    if ((typeof cursor === "string" && cursor !== "") || typeof cursor === "number") next = withParam(url, parsed.cursorParam, cursor);
  } else if (parsed.pagination === "next") {
    const field = object?.[parsed.nextField];
    next = typeof field === "string" && field !== "" ? new URL(field, url).toString() : linkNext(response, url) ?? null;
  }
  return { rows, total, next };
}

async function* jsonPages(parsed: HttpOptions, checkpoint: Record<string, unknown> | null, signal: AbortSignal): AsyncGenerator<SourceBatch> {
  const first = parsed.pagination === "page" ? withParam(parsed.url, parsed.pageParam, parsed.startPage) : parsed.url;
  // A checkpoint holds the page to read next; null there means the last page was written.
  let url = checkpoint && "next" in checkpoint ? (checkpoint.next as string | null) : first;
  const maxPages = config().INGESTION_MAX_PAGES;
  for (let pages = 0; url !== null; pages += 1) {
    // A source that paginates forever would keep the run going forever.
    if (pages >= maxPages) throw new PermanentError(`${parsed.url} gave more than ${maxPages} pages in one run (INGESTION_MAX_PAGES)`);
    const pageUrl = url;
    const page = await fetchSource(pageUrl, parsed.headers, parsed.timeoutMs, signal, async (response) => {
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        throw new PermanentError(`${pageUrl} answered something that is not JSON`);
      }
      return readPage(pageUrl, body, response, parsed);
    });
    if (page.rows.length === 0 && parsed.pagination === "page") return;
    yield { rows: page.rows, checkpoint: { next: page.next }, total: page.total };
    url = page.next;
  }
}

async function* streamedAnswer(parsed: HttpOptions & { format: "csv" | "ndjson" }, checkpoint: Record<string, unknown> | null, signal: AbortSignal) {
  const { body, total } = await fetchSource(parsed.url, parsed.headers, parsed.timeoutMs, signal, async (response) => ({
    body: response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]),
    total: totalHeader(response),
  }));
  try {
    for await (const batch of streamBatches(rowsOf(parsed.format, body), parsed.batchSize, rowsConsumed(checkpoint), signal)) {
      yield { ...batch, total };
    }
  } catch (error) {
    throw sourceError(error, parsed.url, signal);
  } finally {
    body.destroy();
  }
}

/** JSON pages, NDJSON or CSV from an http(s) URL. */
export const httpProvider: IngestionProvider<HttpOptions> = {
  name: "http",
  description: "Records from an http(s) URL: JSON pages (page number, cursor or next link), or a streamed NDJSON or CSV answer.",
  options,
  filters: recordFilterSchema,
  source: (parsed) => parsed.source ?? parsed.url,
  read({ options: parsed, checkpoint, signal }) {
    const { format } = parsed;
    return format === "json" ? jsonPages(parsed, checkpoint, signal) : streamedAnswer({ ...parsed, format }, checkpoint, signal);
  },
};
