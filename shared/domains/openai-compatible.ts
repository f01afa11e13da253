import { TransientError } from "../engine/tasks/task-errors";

/** Where and how to reach an OpenAI-compatible API (OpenAI, Azure's compatible endpoint, Ollama, vLLM, LiteLLM …). */
export interface OpenAiCompatibleOptions {
  /** Base URL, like `https://api.openai.com/v1`. */
  url: string;
  model: string;
  /** Sent as a bearer token when set. */
  apiKey?: string;
  timeoutMs: number;
}

export interface OpenAiCompatibleAnswer {
  endpoint: string;
  status: number;
  ok: boolean;
  text: string;
}

/** Statuses worth another try: request timeouts, rate limits and server-side failures. */
const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/**
 * POSTs `body` as JSON to `<url>/<path>` and returns the answer, read whole. What a retry may cure
 * throws TransientError: no connection, no answer within `timeoutMs`, 408, 429, 5xx. Any other answer,
 * 4xx included, is the caller's to judge. When `signal` fires (cancel, shutdown), its reason is thrown.
 */
export async function postOpenAiCompatible(
  options: OpenAiCompatibleOptions,
  path: string,
  body: object,
  signal: AbortSignal,
): Promise<OpenAiCompatibleAnswer> {
  const endpoint = `${options.url.replace(/\/+$/, "")}/${path}`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  let response: Response;
  let text: string;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, timeout]),
    });
    text = await response.text();
  } catch (thrown) {
    // Cancel, shutdown and time limits keep their own reason; the job's record should say that.
    if (signal.aborted) throw signal.reason;
    if (timeout.aborted) throw new TransientError(`${endpoint} did not answer within ${options.timeoutMs} ms`);
    const cause = (thrown as Error & { cause?: Error }).cause?.message ?? (thrown as Error).message;
    throw new TransientError(`${endpoint} could not be reached: ${cause}`);
  }
  if (isTransientStatus(response.status)) throw new TransientError(`${endpoint} answered ${response.status}: ${text.slice(0, 300)}`);
  return { endpoint, status: response.status, ok: response.ok, text };
}
