import { z } from "zod";
import { PermanentError } from "../../engine/tasks/task-errors";
import { OpenAiCompatibleOptions, postOpenAiCompatible } from "../openai-compatible";
import { Enricher, Enrichment, IssueText, MAX_SUMMARY_CHARS, MAX_TAGS, normalizeTags, trimSummary } from "./enricher";

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

  constructor(private readonly options: OpenAiCompatibleOptions) {
    this.name = `openai:${options.model}`;
  }

  async enrich(issue: IssueText, signal: AbortSignal): Promise<Enrichment> {
    const body = issue.body.length > MAX_PROMPT_BODY_CHARS ? `${issue.body.slice(0, MAX_PROMPT_BODY_CHARS)}\n…` : issue.body;
    const answer = await postOpenAiCompatible(
      this.options,
      "chat/completions",
      {
        model: this.options.model,
        messages: [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: `Title: ${issue.title}\n\n${body}` },
        ],
        response_format: { type: "json_object" },
        temperature: 0,
      },
      signal,
    );
    if (!answer.ok) throw new PermanentError(`${answer.endpoint} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
    return this.parseAnswer(answer.text);
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
