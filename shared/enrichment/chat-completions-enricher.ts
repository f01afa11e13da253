import { z } from "zod";
import { PermanentError, TransientError } from "../errors";
import { Enricher, Enrichment, IssueText, MAX_SUMMARY_CHARS, MAX_TAGS, normalizeTags, trimSummary } from "./enricher";

export interface ChatCompletionsOptions {
  /** Base URL of an OpenAI-compatible API, like `https://api.openai.com/v1`. */
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
}

/** Enough of a long issue for a summary, and a bound on what one request costs. */
const MAX_PROMPT_BODY_CHARS = 20_000;

const SYSTEM_PROMPT = [
  "You summarise GitHub-style issues for a triage list.",
  'Answer with one JSON object only: {"summary": string, "tags": string[]}.',
  `summary: one to three plain sentences (at most ${MAX_SUMMARY_CHARS} characters) saying what is wrong or wanted; no markdown.`,
  `tags: up to ${MAX_TAGS} short lower-case topic keywords (components, technologies, symptoms), most relevant first.`,
].join("\n");

const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
});
const answerSchema = z.object({
  summary: z.string().trim().min(1),
  tags: z.array(z.string()).default([]),
});

/** Statuses worth another try: rate limits, timeouts and server-side failures. */
const isTransientStatus = (status: number) => status === 408 || status === 429 || status >= 500;

/** Some models fence their JSON in ```json … ``` even when asked not to. */
const unfenced = (content: string) => content.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, "$1");

/**
 * An enricher backed by any OpenAI-compatible chat-completions API (OpenAI, Azure's compatible
 * endpoint, Ollama, vLLM, LiteLLM …): it asks for a JSON object with a summary and tags. Network
 * errors, timeouts, 408, 429 and 5xx are TransientErrors (the job retries with backoff); any other 4xx
 * and an answer that is not the JSON asked for are PermanentErrors (no retry would change them).
 */
export class ChatCompletionsEnricher implements Enricher {
  readonly name: string;

  constructor(private readonly options: ChatCompletionsOptions) {
    this.name = `openai:${options.model}`;
  }

  async enrich(issue: IssueText, signal: AbortSignal): Promise<Enrichment> {
    const endpoint = `${this.options.url.replace(/\/+$/, "")}/chat/completions`;
    const body = issue.body.length > MAX_PROMPT_BODY_CHARS ? `${issue.body.slice(0, MAX_PROMPT_BODY_CHARS)}\n…` : issue.body;
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
        body: JSON.stringify({
          model: this.options.model,
          messages: [
            { role: "system", content: SYSTEM_PROMPT },
            { role: "user", content: `Title: ${issue.title}\n\n${body}` },
          ],
          response_format: { type: "json_object" },
          temperature: 0,
        }),
        signal: AbortSignal.any([signal, timeout]),
      });
      text = await response.text();
    } catch (thrown) {
      // Cancel, shutdown and time limits keep their own reason; the job's record should say that.
      if (signal.aborted) throw signal.reason;
      if (timeout.aborted) throw new TransientError(`${endpoint} did not answer within ${this.options.timeoutMs} ms`);
      const cause = (thrown as Error & { cause?: Error }).cause?.message ?? (thrown as Error).message;
      throw new TransientError(`${endpoint} could not be reached: ${cause}`);
    }
    if (!response.ok) {
      const message = `${endpoint} answered ${response.status}: ${text.slice(0, 300)}`;
      throw isTransientStatus(response.status) ? new TransientError(message) : new PermanentError(message);
    }
    return this.parseAnswer(text);
  }

  private parseAnswer(text: string): Enrichment {
    let content: string | null;
    try {
      content = completionSchema.parse(JSON.parse(text)).choices[0].message.content;
    } catch {
      throw new PermanentError(`The chat-completions answer is not a completion: ${text.slice(0, 300)}`);
    }
    let answer: z.infer<typeof answerSchema>;
    try {
      answer = answerSchema.parse(JSON.parse(unfenced(content ?? "")));
    } catch {
      throw new PermanentError(`The model did not answer with {"summary", "tags"} JSON: ${String(content).slice(0, 300)}`);
    }
    return { summary: trimSummary(answer.summary), tags: normalizeTags(answer.tags) };
  }
}
