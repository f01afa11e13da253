import { fileProvider } from "./file-provider";
import { httpProvider } from "./http-provider";
import type { CommonOptions, IngestionProvider } from "./provider";

export type ProviderRegistry = ReadonlyMap<string, IngestionProvider<CommonOptions>>;

/** Every provider, by name. Add a provider here (see docs/ingestion.md). */
export function ingestionProviders(settings: { uploadDir: string }): ProviderRegistry {
  const providers: IngestionProvider<CommonOptions>[] = [httpProvider, fileProvider(settings.uploadDir)];
  return new Map(providers.map((provider) => [provider.name, provider]));
}
