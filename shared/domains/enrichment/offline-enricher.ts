import { Enricher, Enrichment, IssueText, MAX_TAGS, normalizeTags, trimSummary } from "./enricher";
import { issueProse } from "./issue-prose";
import { analyse, Sentence, Word } from "./text-analysis";

/** Parts of speech that carry an issue's topic; the rest (pronouns, determiners, …) never score. */
const CONTENT_POS = new Set(["NOUN", "PROPN", "VERB", "ADJ"]);
/** Tags name things: nouns and proper nouns (verbs and adjectives make poor tags). */
const TAG_POS = new Set(["NOUN", "PROPN"]);

/**
 * Words of issue templates and bug-report prose that say nothing about the topic: they must neither
 * pull a sentence into the summary nor become a tag.
 */
const GENERIC = new Set([
  "issue", "bug", "problem", "thing", "way", "step", "steps", "behavior", "behaviour", "expect", "expected",
  "actual", "result", "reproduce", "description", "describe", "context", "screenshot", "example", "case",
  "time", "use", "work", "try", "get", "need", "want", "see", "happen", "make", "thank", "thanks", "please",
  "hi", "hello", "lot", "bit", "version", "info", "information", "detail", "details", "question", "idea",
  "something", "anything", "nothing", "everything", "someone", "anyone", "people", "user", "fix", "help",
  "environment", "additional", "other", "same", "new", "current", "wrong", "correct", "able", "sure",
  "support", "feature", "request", "solution", "alternative", "e.g.", "i.e.", "etc", "etc.", "vs", "vs.",
]);

/** A sentence shorter than this (a heading, "Steps to reproduce.") is no summary material. */
const MIN_SUMMARY_WORDS = 4;
const TITLE_WEIGHT = 3;
const TITLE_BONUS = 0.5;
const POSITION_BONUS = [1, 0.5, 0.25];

/** Lower-case identifiers and product names that read as technical: node.js, RabbitMQ, HTTP2, OAuth. */
const TECHNICAL = /[.#+_]|\d|[a-z][A-Z]|^[A-Z]{2,}$/;

const isContent = (word: Word) =>
  !word.stop && CONTENT_POS.has(word.pos) && /[a-z]/.test(word.lemma) && word.lemma.length >= 2 && !GENERIC.has(word.lemma);

/** How often each content lemma occurs; title words count TITLE_WEIGHT times. */
function lemmaFrequencies(title: Sentence[], body: Sentence[]): Map<string, number> {
  const frequencies = new Map<string, number>();
  const count = (sentences: Sentence[], weight: number) => {
    for (const sentence of sentences) {
      for (const word of sentence.words) {
        if (isContent(word)) frequencies.set(word.lemma, (frequencies.get(word.lemma) ?? 0) + weight);
      }
    }
  };
  count(title, TITLE_WEIGHT);
  count(body, 1);
  return frequencies;
}

/**
 * Extractive summary: each sentence scores the frequencies of its distinct content lemmas (divided by
 * the square root of its length, so long sentences do not win by size), plus a bonus for lemmas of
 * the title and for being among the first sentences, where reporters state the problem. The best two
 * (three for a long issue) are kept in their original order.
 */
function summarise(title: string, titleWords: Set<string>, body: Sentence[], frequencies: Map<string, number>): string {
  const candidates = body
    .map((sentence, index) => ({ sentence, index, content: sentence.words.filter(isContent) }))
    .filter(({ sentence }) => sentence.words.length >= MIN_SUMMARY_WORDS);
  if (candidates.length === 0) return trimSummary(title);
  const top = Math.max(...frequencies.values());
  const scored = candidates.map(({ sentence, index, content }) => {
    const distinct = new Set(content.map((word) => word.lemma));
    let score = 0;
    for (const lemma of distinct) score += (frequencies.get(lemma) ?? 0) / top + (titleWords.has(lemma) ? TITLE_BONUS : 0);
    score /= Math.sqrt(Math.max(content.length, 1));
    return { sentence, index, score: score + (POSITION_BONUS[index] ?? 0) };
  });
  const keep = candidates.length > 8 ? 3 : 2;
  const chosen = scored
    .sort((a, b) => b.score - a.score)
    .slice(0, keep)
    .sort((a, b) => a.index - b.index);
  return trimSummary(chosen.map(({ sentence }) => sentence.text).join(" "));
}

/**
 * Keyword tags: nouns and proper nouns ranked by frequency (title words weigh more, technical terms
 * such as `node.js` or `RabbitMQ` get a bonus), with two-noun phrases ("memory leak") that recur or
 * appear in the title taking the place of their single words.
 */
function tagsOf(title: Sentence[], body: Sentence[], frequencies: Map<string, number>): string[] {
  const scores = new Map<string, number>();
  const phraseCounts = new Map<string, number>();
  const titlePhrases = new Set<string>();
  const add = (sentences: Sentence[], inTitle: boolean) => {
    for (const sentence of sentences) {
      const words = sentence.words;
      words.forEach((word, index) => {
        if (!isContent(word) || !TAG_POS.has(word.pos)) return;
        const bonus = TECHNICAL.test(word.text) ? 1.5 : 1;
        scores.set(word.lemma, Math.max(scores.get(word.lemma) ?? 0, (frequencies.get(word.lemma) ?? 0) * bonus));
        const next = words[index + 1];
        if (next && isContent(next) && TAG_POS.has(next.pos)) {
          const phrase = `${word.lemma} ${next.lemma}`;
          phraseCounts.set(phrase, (phraseCounts.get(phrase) ?? 0) + 1);
          if (inTitle) titlePhrases.add(phrase);
        }
      });
    }
  };
  add(title, true);
  add(body, false);

  const ranked = new Map(scores);
  const taken = new Set<string>();
  const phrases = [...phraseCounts.entries()].sort((a, b) => b[1] - a[1]);
  for (const [phrase, count] of phrases) {
    const [first, second] = phrase.split(" ");
    // A word belongs to one phrase at most: "cron expression" wins over "field cron".
    if ((count < 2 && !titlePhrases.has(phrase)) || taken.has(first) || taken.has(second)) continue;
    // The phrase outranks the better of its words; the words themselves step aside.
    ranked.set(phrase, Math.max(scores.get(first) ?? 0, scores.get(second) ?? 0) + 0.5);
    ranked.delete(first);
    ranked.delete(second);
    taken.add(first).add(second);
  }
  const ordered = [...ranked.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([tag]) => tag);
  return normalizeTags(ordered.slice(0, MAX_TAGS * 2));
}

/** What the offline enricher makes of an issue; pure and synchronous. */
export function offlineEnrichment(issue: IssueText): Enrichment {
  const title = analyse(issue.title);
  const body = analyse(issueProse(issue.body));
  const frequencies = lemmaFrequencies(title, body);
  if (frequencies.size === 0) return { summary: trimSummary(issue.title), tags: [] };
  const titleWords = new Set(title.flatMap((sentence) => sentence.words.filter(isContent).map((word) => word.lemma)));
  return { summary: summarise(issue.title, titleWords, body, frequencies), tags: tagsOf(title, body, frequencies) };
}

/**
 * The built-in enricher: extractive summary and keyword tags with wink-nlp, in-process, no network.
 * Its failures are bugs, not outages, so it throws nothing worth retrying.
 */
export const offlineEnricher: Enricher = {
  name: "offline",
  async enrich(issue, signal) {
    signal.throwIfAborted();
    return offlineEnrichment(issue);
  },
};
