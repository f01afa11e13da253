import type { Config } from "../../../config";
import { ChatCompletionsEnricher } from "./chat-completions-enricher";
import type { Enricher } from "./enricher";
import { offlineEnricher } from "./offline-enricher";

type EnricherConfig = Pick<Config, "ENRICHER" | "ENRICHER_URL" | "ENRICHER_MODEL" | "ENRICHER_API_KEY" | "ENRICHER_TIMEOUT_MS">;

/** The enricher ENRICHER names; the configuration's own check guarantees URL and model for `openai`. */
export function enricherFromConfig(config: EnricherConfig): Enricher {
  if (config.ENRICHER === "offline") return offlineEnricher;
  if (!config.ENRICHER_URL || !config.ENRICHER_MODEL) throw new Error("ENRICHER=openai needs ENRICHER_URL and ENRICHER_MODEL");
  return new ChatCompletionsEnricher({
    url: config.ENRICHER_URL,
    model: config.ENRICHER_MODEL,
    apiKey: config.ENRICHER_API_KEY,
    timeoutMs: config.ENRICHER_TIMEOUT_MS,
  });
}
