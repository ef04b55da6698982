import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Vocabulary, tokenize, vocabulary } from '../../../src/streams/sequences/tokenize.js';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Cuts `text` at the given fractions, so a property can try every way of chunking it. */
function chunk(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let last = 0;
  for (const p of [...points, text.length]) {
    out.push(text.slice(last, p));
    last = p;
  }
  return out;
}

const textArb = fc.string({ unit: fc.constantFrom('a', 'b', 'B', ' ', '\n', ',', "'", 'é', '😀'), maxLength: 40 });
const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 5 });

describe('Vocabulary: characters', () => {
  test('lists code points in code-point order and round-trips text exactly', () => {
    const v = Vocabulary.fromText('hello world');
    expect(v.tokens).toEqual([' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(v.size).toBe(8);
    expect(v.encode('hold')).toEqual([3, 5, 4, 1]);
    expect(v.decode([3, 5, 4, 1])).toBe('hold');
  });

  test('a surrogate pair is one token', () => {
    const v = Vocabulary.fromText('a😀');
    expect(v.tokens).toEqual(['a', '😀']);
    expect(v.encode('😀a')).toEqual([1, 0]);
  });

  test('a closed vocabulary refuses an unseen character, naming it; with an unknown token it maps to index 0', () => {
    expect(() => Vocabulary.fromText('ab').encode('abc')).toThrow('Vocabulary: "c" is not in the char vocabulary of 2 tokens and it has no unknown token');
    const open = Vocabulary.fromText('ab', { unknown: '\uFFFD' });
    expect(open.tokens).toEqual(['\uFFFD', 'a', 'b']);
    expect(open.encode('abc')).toEqual([1, 2, 0]);
  });

  test.prop([textArb], { numRuns: 60 })('for any text, decode(encode(text)) = text', (text) => {
    const v = Vocabulary.fromText(text);
    expect(v.decode(v.encode(text))).toBe(text);
  });
});

describe('Vocabulary: words', () => {
  test('splits words and punctuation, orders by count then code point, and maps rare words to <unk>', () => {
    const v = Vocabulary.fromText("the cat, the dog's hat. the cat", { kind: 'word', minCount: 2 });
    expect(v.tokens).toEqual(['<unk>', 'the', 'cat']);
    expect(v.split("the dog's hat.")).toEqual(['the', "dog's", 'hat', '.']);
    expect(v.encode('the bird')).toEqual([1, 0]);
    expect(v.decode([1, 2])).toBe('the cat');
  });

  test('maxSize keeps the most frequent words (the unknown token included in the size)', () => {
    const v = Vocabulary.fromText('a a a b b c', { kind: 'word', maxSize: 3 });
    expect(v.tokens).toEqual(['<unk>', 'a', 'b']);
  });

  test('lowercase merges cases', () => {
    const v = Vocabulary.fromText('The the THE', { kind: 'word', lowercase: true });
    expect(v.tokens).toEqual(['<unk>', 'the']);
    expect(v.encode('tHe')).toEqual([1]);
  });
});

describe('Vocabulary: JSON', () => {
  test('fromJSON(toJSON()) gives the same vocabulary, through JSON text', () => {
    const v = Vocabulary.fromText("Call me Ishmael. Call", { kind: 'word', lowercase: true });
    const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
    expect(back.toJSON()).toEqual(v.toJSON());
    expect(back.encode('call me maybe')).toEqual(v.encode('call me maybe'));
  });

  test('fromJSON rejects another format, duplicate tokens and a misplaced unknown token', () => {
    expect(() => Vocabulary.fromJSON({ tokens: ['a'] })).toThrow("Vocabulary.fromJSON: expected { format: 'streamgrad.vocabulary', ... }");
    const base = { format: 'streamgrad.vocabulary', kind: 'char', unknown: null, lowercase: false };
    expect(() => Vocabulary.fromJSON({ ...base, tokens: ['a', 'a'] })).toThrow('Vocabulary.fromJSON: token "a" appears twice');
    expect(() => Vocabulary.fromJSON({ ...base, tokens: ['a', '?'], unknown: '?' })).toThrow(
      'Vocabulary.fromJSON: the unknown token must be null or tokens[0], found "?" with tokens[0] = "a"',
    );
  });

  test('options are checked', () => {
    expect(() => Vocabulary.fromText('a', { kind: 'byte' as never })).toThrow("Vocabulary.fromText: kind must be 'char' or 'word', found \"byte\"");
    expect(() => vocabulary({ minCount: 0 })).toThrow('vocabulary: minCount must be an integer >= 1, found 0');
    expect(() => Vocabulary.fromText('a').tokenAt(5)).toThrow('Vocabulary: token index must be an integer in [0, 1), found 5');
  });
});

describe('vocabulary and tokenize: streams of text chunks', () => {
  test('vocabulary emits one vocabulary when the text completes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: 'hel', b: 'lo' });
      expectObservable(source.pipe(vocabulary())).toBe('-----(v|)', { v: Vocabulary.fromText('hello') });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  test('tokenize emits a word cut by a chunk boundary once the next chunk completes it', () => {
    const v = Vocabulary.fromText('hello world', { kind: 'word' });
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-|', { a: 'hello wo', b: 'rld hello' });
      expectObservable(source.pipe(tokenize(v))).toBe('-a-b-(c|)', { a: v.indexOf('hello'), b: v.indexOf('world'), c: v.indexOf('hello') });
    });
  });

  test.prop([textArb, cutsArb, fc.constantFrom('char' as const, 'word' as const)], { numRuns: 80 })(
    'for any chunking, the vocabulary and the token stream equal those of the whole text',
    async (text, cuts, kind) => {
      const chunks = chunk(text, cuts);
      const whole = Vocabulary.fromText(text, { kind });
      const streamed = await lastValueFrom(from(chunks).pipe(vocabulary({ kind })));
      expect(streamed.toJSON()).toEqual(whole.toJSON());
      const ids = await lastValueFrom(from(chunks).pipe(tokenize(whole), toArray()));
      expect(ids).toEqual(whole.encode(text));
    },
  );

  test('an unseen character errors the token stream', async () => {
    const v = Vocabulary.fromText('ab');
    await expect(lastValueFrom(from(['ab', 'c']).pipe(tokenize(v), toArray()))).rejects.toThrow('Vocabulary: "c" is not in the char vocabulary');
  });
});
