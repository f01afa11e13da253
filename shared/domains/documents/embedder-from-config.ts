import type { Config } from "../../../config";
import type { Embedder } from "./embedder";
import { hashedEmbedder } from "./hashed-embedder";
import { OpenAiEmbedder } from "./openai-embedder";

type EmbedderConfig = Pick<Config, "EMBEDDER" | "EMBEDDER_URL" | "EMBEDDER_MODEL" | "EMBEDDER_API_KEY" | "EMBEDDER_TIMEOUT_MS">;

/** The embedder EMBEDDER names; the configuration's own check guarantees URL and model for `openai`. */
export function embedderFromConfig(config: EmbedderConfig): Embedder {
  if (config.EMBEDDER === "offline") return hashedEmbedder;
  if (!config.EMBEDDER_URL || !config.EMBEDDER_MODEL) throw new Error("EMBEDDER=openai needs EMBEDDER_URL and EMBEDDER_MODEL");
  return new OpenAiEmbedder({
    url: config.EMBEDDER_URL,
    model: config.EMBEDDER_MODEL,
    apiKey: config.EMBEDDER_API_KEY,
    timeoutMs: config.EMBEDDER_TIMEOUT_MS,
  });
}
