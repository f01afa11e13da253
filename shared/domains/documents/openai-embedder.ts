import { z } from "zod";
import { PermanentError } from "../../engine/tasks/task-errors";
import { OpenAiCompatibleOptions, postOpenAiCompatible } from "../openai-compatible";
import { Embedder, normalize } from "./embedder";

const embeddingsSchema = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/**
 * Embeddings from any OpenAI-compatible `/embeddings` endpoint (OpenAI, Ollama, vLLM, LiteLLM …).
 * Network errors, timeouts, 408, 429 and 5xx are TransientErrors (the job retries with backoff); any
 * other answer that is not one embedding per text is a PermanentError.
 */
export class OpenAiEmbedder implements Embedder {
  readonly name: string;
  readonly batchSize = 64;

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.name = `openai:${options.model}`;
  }

  async embed(texts: string[], signal: AbortSignal): Promise<number[][]> {
    const answer = await postOpenAiCompatible(this.options, "embeddings", { model: this.options.model, input: texts }, signal);
    const parsed = answer.ok ? embeddingsSchema.safeParse(parseJson(answer.text)) : undefined;
    if (!parsed?.success || parsed.data.data.length !== texts.length) {
      throw new PermanentError(`${answer.endpoint} did not answer with ${texts.length} embeddings (status ${answer.status}): ${answer.text.slice(0, 300)}`);
    }
    return [...parsed.data.data].sort((a, b) => a.index - b.index).map((item) => normalize(item.embedding));
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
