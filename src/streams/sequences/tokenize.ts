/**
 * Text to tokens as stream operators: `vocabulary()` builds a `Vocabulary` from a stream of
 * text chunks, `tokenize()` turns chunks into token indices (see `./vocabulary.ts`).
 */
import { type OperatorFunction, Observable } from 'rxjs';
import { ArgumentError } from '../../ops/index.js';
import { ChunkSplitter } from './chunk-splitter.js';
import { TokenCounter, Vocabulary, checkOptions, preview, type VocabularyOptions } from './vocabulary.js';

export { Vocabulary, type VocabularyJSON, type VocabularyKind, type VocabularyOptions } from './vocabulary.js';

/**
 * Builds a `Vocabulary` from a stream of text chunks, emitted once when the stream
 * completes. Chunks are one text: a word or a surrogate pair split across two chunks is
 * counted once, whole. Memory: the counts of distinct tokens, not the text.
 *
 * ```
 * text:          --"hel"--"lo"--|
 * vocabulary():  ---------------(v|)     v.tokens = ['e', 'h', 'l', 'o']
 * ```
 *
 * @example
 * ```ts
 * import { lastValueFrom, from } from 'rxjs';
 * import { vocabulary } from 'streamgrad/streams';
 * const words = await lastValueFrom(from(chapters).pipe(vocabulary({ kind: 'word', minCount: 2 })));
 * ```
 */
export function vocabulary(opts: VocabularyOptions = {}): OperatorFunction<string, Vocabulary> {
  const settings = checkOptions('vocabulary', opts);
  return (source) =>
    new Observable<Vocabulary>((subscriber) => {
      const counter = new TokenCounter(settings);
      return source.subscribe({
        next: (chunk) => {
          if (typeof chunk !== 'string') {
            subscriber.error(new ArgumentError(`vocabulary: expected text chunks (strings), found ${typeof chunk}`));
            return;
          }
          counter.add(chunk);
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          subscriber.next(counter.finish());
          subscriber.complete();
        },
      });
    });
}

/**
 * Turns a stream of text chunks into the stream of their token indices, one index per
 * emission, splitting as `vocabulary.split` would split the whole text (a word or a
 * surrogate pair cut by a chunk boundary is emitted once the next chunk completes it).
 *
 * ```
 * text:                 --"ab"----"a"--|
 * tokenize(vocabulary): --(01)----0----|    with tokens ['a', 'b']
 * ```
 *
 * @example
 * ```ts
 * import { tokenize, windows, batch } from 'streamgrad/streams';
 * const samples = text$.pipe(tokenize(vocab), windows({ length: 100 }), batch(32));
 * ```
 */
export function tokenize(vocab: Vocabulary): OperatorFunction<string, number> {
  if (!(vocab instanceof Vocabulary)) throw new ArgumentError(`tokenize: expected a Vocabulary, found ${preview(vocab)}`);
  return (source) =>
    new Observable<number>((subscriber) => {
      const splitter = new ChunkSplitter((text) => vocab.split(text), vocab.kind);
      const emit = (tokens: readonly string[]): void => {
        for (const token of tokens) {
          if (subscriber.closed) return;
          subscriber.next(vocab.indexOf(token));
        }
      };
      return source.subscribe({
        next: (chunk) => {
          try {
            if (typeof chunk !== 'string') throw new ArgumentError(`tokenize: expected text chunks (strings), found ${typeof chunk}`);
            emit(splitter.push(chunk));
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete: () => {
          try {
            emit(splitter.flush());
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
    });
}
