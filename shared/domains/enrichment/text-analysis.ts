import winkNLP, { ItemSentence, ItemToken, ItsFunction, WinkMethods } from "wink-nlp";
import model from "wink-eng-lite-web-model";

/** A word of the analysed text: its surface form, lower-case lemma and universal part of speech. */
export interface Word {
  text: string;
  lemma: string;
  pos: string;
  stop: boolean;
}

export interface Sentence {
  /** As written (markdown already reduced to prose). */
  text: string;
  words: Word[];
}

/** Stands in for the dot inside `node.js` or `demo.sleep`, which would otherwise end a sentence. */
const INNER_DOT = "\u2024";
const INNER_DOT_PATTERN = /(?<=[A-Za-z0-9_])\.(?=[A-Za-z_])/g;

let nlp: WinkMethods | undefined;

/** wink-nlp's typings declare `its.lemma` with a third parameter its `ItsFunction` type does not admit. */
const lemmaOf = (its: WinkMethods["its"]) => its.lemma as unknown as ItsFunction<string>;

/** The model takes a moment and some memory to load: once per process, on first use. */
function language(): WinkMethods {
  nlp ??= winkNLP(model, ["sbd", "pos", "negation"]);
  return nlp;
}

/**
 * Sentences of `text` with their words (wink-nlp: sentence boundaries, part-of-speech tags, lemmas,
 * stop words). Dotted identifiers stay one word, tagged as a proper noun.
 */
export function analyse(text: string): Sentence[] {
  const nlp = language();
  const its = nlp.its;
  const doc = nlp.readDoc(text.replace(INNER_DOT_PATTERN, INNER_DOT));
  const sentences: Sentence[] = [];
  doc.sentences().each((sentence: ItemSentence) => {
    const words: Word[] = [];
    const tokens = sentence.tokens();
    let previousWasDot = false;
    tokens.each((token: ItemToken) => {
      const value = token.out();
      if (value === INNER_DOT) {
        previousWasDot = true;
        return;
      }
      const last = words[words.length - 1];
      if (previousWasDot && last && token.out(its.precedingSpaces) === "") {
        // Rejoin an identifier the dot placeholder split: demo ․ sleep → demo.sleep.
        last.text = `${last.text}.${value}`;
        last.lemma = `${last.lemma}.${value.toLowerCase()}`;
        last.pos = "PROPN";
        last.stop = false;
        previousWasDot = false;
        return;
      }
      previousWasDot = false;
      if (token.out(its.type) !== "word") return;
      words.push({
        text: value,
        lemma: String(token.out(lemmaOf(its))).toLowerCase(),
        pos: String(token.out(its.pos)),
        stop: Boolean(token.out(its.stopWordFlag)),
      });
    });
    sentences.push({ text: sentence.out().split(INNER_DOT).join("."), words });
  });
  return sentences;
}
