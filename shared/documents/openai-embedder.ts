import { z } from "zod";
import { PermanentError, TransientError } from "../errors";
import { Embedder, normalize } from "./embedder";

export interface OpenAiEmbedderOptions {
  /** Base URL of an OpenAI-compatible API, like `https://api.openai.com/v1`. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

const embeddingsSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/**
 * Embeddings from any OpenAI-compatible `/embeddings` endpoint (OpenAI, Ollama, vLLM, LiteLLM …).
 * Network errors, timeouts, 408, 429 and 5xx are TransientErrors (the job retries with backoff); other
 * answers that are not embeddings are PermanentErrors.
 */
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly batchSize = 64;

  constructor(private readonly options: OpenAiEmbedderOptions) {
    this.name = `openai:${options.model}`;
  }

  async embed(texts: string[], signal: AbortSignal): Promise<number[][]> {
    const endpoint = `${this.options.url.replace(/\/+$/, "")}/embeddings`;
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
        },
        body: JSON.stringify({ model: this.options.model, input: texts }),
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await response.text();
    } catch (thrown) {
      if (signal.aborted) throw signal.reason; // cancel or shutdown: the job's record should say that
      if (timeout.aborted) throw new TransientError(`${endpoint} did not answer within ${this.options.timeoutMs} ms`);
      throw new TransientError(`${endpoint} could not be reached: ${(thrown as Error & { cause?: Error }).cause?.message ?? (thrown as Error).message}`);
    }
    if (response.status === 408 || response.status === 429 || response.status >= 500) {
      throw new TransientError(`${endpoint} answered ${response.status}: ${text.slice(0, 300)}`);
    }
    const parsed = response.ok ? embeddingsSchema.safeParse(safeJson(text)) : undefined;
    if (!parsed?.success || parsed.data.data.length !== texts.length) {
      throw new PermanentError(`${endpoint} did not answer with ${texts.length} embeddings (status ${response.status}): ${text.slice(0, 300)}`);
    }
    return [...parsed.data.data].sort((a, b) => a.index - b.index).map((item) => normalize(item.embedding));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
