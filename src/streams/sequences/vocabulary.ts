import { ArgumentError } from '../../ops/index.js';
import { ChunkSplitter } from './chunk-splitter.js';

/** `'char'`: every Unicode code point is a token. `'word'`: runs of letters, digits and apostrophes, and every other non-space character alone. */
export type VocabularyKind = 'char' | 'word';

/** Options of `Vocabulary.fromText` and the `vocabulary` operator. */
export interface VocabularyOptions {
  /** How text splits into tokens. @default 'char' */
  readonly kind?: VocabularyKind;
  /** Tokens seen fewer times than this are left out (they encode as the unknown token). @default 1 */
  readonly minCount?: number;
  /** At most this many tokens, the unknown token included; the most frequent are kept. @default Infinity */
  readonly maxSize?: number;
  /**
   * The token that stands for anything not in the vocabulary, at index 0; `null` for a
   * closed vocabulary, where encoding an unseen token is an error.
   * @default '<unk>' for words, null for characters
   */
  readonly unknown?: string | null;
  /** Lower-case the text before splitting (`'The'` and `'the'` become one token). @default false */
  readonly lowercase?: boolean;
}

/** The JSON form of a vocabulary (`toJSON()`), saved beside a model's weights. */
export interface VocabularyJSON {
  readonly format: 'streamgrad.vocabulary';
  readonly kind: VocabularyKind;
  /** Token strings by index. */
  readonly tokens: readonly string[];
  /** The unknown token (always `tokens[0]` when set), or null. */
  readonly unknown: string | null;
  readonly lowercase: boolean;
}

const WORD = /[\p{L}\p{N}\p{M}']+|[^\s\p{L}\p{N}\p{M}']/gu;

/**
 * A mapping between tokens and indices `0 … size − 1`, for language models. Character
 * vocabularies list code points in code-point order (Karpathy's `sorted(set(text))`); word
 * vocabularies list words by descending count, ties in code-point order, so `maxSize` keeps
 * the most frequent. The unknown token, when there is one, is index 0.
 *
 * Word splitting: `/[\p{L}\p{N}\p{M}']+|[^\s\p{L}\p{N}\p{M}']/gu`, i.e. runs of letters,
 * digits and apostrophes are words, every other visible character is a token of its own,
 * white space separates; `decode` joins words with one space, so word decoding loses the
 * original spacing. Character decoding is exact.
 *
 * @example
 * ```ts
 * import { Vocabulary } from 'streamgrad/streams';
 * const v = Vocabulary.fromText('hello world');
 * v.tokens;                 // [' ', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
 * v.encode('hold');         // [3, 5, 4, 1]
 * v.decode([3, 5, 4, 1]);   // 'hold'
 * const saved = JSON.stringify(v);                    // stored with the model
 * Vocabulary.fromJSON(JSON.parse(saved)).encode('owl'); // [5, 7, 4]
 * ```
 */
export class Vocabulary {
  readonly kind: VocabularyKind;
  /** Token strings by index. */
  readonly tokens: readonly string[];
  /** The unknown token, or null for a closed vocabulary. */
  readonly unknown: string | null;
  /** Index of the unknown token (0), or −1 without one. */
  readonly unknownIndex: number;
  readonly lowercase: boolean;
  private readonly index: Map<string, number>;

  /** Builds a vocabulary from its token list; prefer `fromText`, `fromCounts` or `fromJSON`. */
  constructor(kind: VocabularyKind, tokens: readonly string[], unknown: string | null, lowercase = false) {
    const problems = checkParts(kind, tokens, unknown, lowercase);
    if (problems !== null) throw new ArgumentError(`Vocabulary: ${problems}`);
    this.kind = kind;
    this.tokens = Object.freeze([...tokens]);
    this.unknown = unknown;
    this.unknownIndex = unknown === null ? -1 : 0;
    this.lowercase = lowercase;
    this.index = new Map(tokens.map((t, i) => [t, i]));
  }

  /** Number of tokens, the unknown token included: a model's output width. */
  get size(): number {
    return this.tokens.length;
  }

  /** A vocabulary of the tokens in `text`. */
  static fromText(text: string, opts: VocabularyOptions = {}): Vocabulary {
    if (typeof text !== 'string') throw new ArgumentError(`Vocabulary.fromText: text must be a string, found ${typeof text}`);
    const settings = checkOptions('Vocabulary.fromText', opts);
    const counter = new TokenCounter(settings);
    counter.add(text);
    return counter.finish();
  }

  /** A vocabulary from token counts (token → times seen), applying `minCount`, `maxSize` and `unknown`. */
  static fromCounts(counts: ReadonlyMap<string, number>, opts: VocabularyOptions = {}): Vocabulary {
    const settings = checkOptions('Vocabulary.fromCounts', opts);
    return select(counts, settings);
  }

  /**
   * Rebuilds a vocabulary from `toJSON()`'s output, checking it whole: an unknown format,
   * a duplicate token or an unknown token not at index 0 is an error.
   */
  static fromJSON(json: unknown): Vocabulary {
    if (typeof json !== 'object' || json === null || (json as { format?: unknown }).format !== 'streamgrad.vocabulary') {
      throw new ArgumentError(`Vocabulary.fromJSON: expected { format: 'streamgrad.vocabulary', ... }, found ${preview(json)}`);
    }
    const { kind, tokens, unknown, lowercase } = json as Record<string, unknown>;
    const problems = checkParts(kind, tokens, unknown, lowercase);
    if (problems !== null) throw new ArgumentError(`Vocabulary.fromJSON: ${problems}`);
    return new Vocabulary(kind as VocabularyKind, tokens as string[], unknown as string | null, lowercase as boolean);
  }

  /** The token strings of `text`, before lookup (lower-cased when the vocabulary is). */
  split(text: string): string[] {
    const source = this.lowercase ? text.toLowerCase() : text;
    return this.kind === 'char' ? Array.from(source) : (source.match(WORD) ?? []);
  }

  /** The index of one token: the unknown index for an unseen token, or an error in a closed vocabulary. */
  indexOf(token: string): number {
    const id = this.index.get(token);
    if (id !== undefined) return id;
    if (this.unknownIndex >= 0) return this.unknownIndex;
    throw new ArgumentError(`Vocabulary: ${JSON.stringify(token)} is not in the ${this.kind} vocabulary of ${this.size} tokens and it has no unknown token`);
  }

  /** Token indices of `text`. */
  encode(text: string): number[] {
    return this.split(text).map((token) => this.indexOf(token));
  }

  /** The token at `id`. */
  tokenAt(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.size) {
      throw new ArgumentError(`Vocabulary: token index must be an integer in [0, ${this.size}), found ${id}`);
    }
    return this.tokens[id];
  }

  /** Text of token indices: characters concatenated, words joined by one space. */
  decode(ids: ArrayLike<number>): string {
    const parts = Array.from(ids, (id) => this.tokenAt(id));
    return parts.join(this.kind === 'char' ? '' : ' ');
  }

  /** The JSON form, for `JSON.stringify` and `Vocabulary.fromJSON`. */
  toJSON(): VocabularyJSON {
    return { format: 'streamgrad.vocabulary', kind: this.kind, tokens: [...this.tokens], unknown: this.unknown, lowercase: this.lowercase };
  }
}

/** Checked vocabulary options. @internal */
export interface Settings {
  readonly kind: VocabularyKind;
  readonly minCount: number;
  readonly maxSize: number;
  readonly unknown: string | null;
  readonly lowercase: boolean;
}

/** Checks `VocabularyOptions`, naming `where` in errors. @internal */
export function checkOptions(where: string, opts: VocabularyOptions): Settings {
  if (opts === null || typeof opts !== 'object') throw new ArgumentError(`${where}: expected an options object, found ${preview(opts)}`);
  const kind = opts.kind ?? 'char';
  if (kind !== 'char' && kind !== 'word') throw new ArgumentError(`${where}: kind must be 'char' or 'word', found ${preview(kind)}`);
  const minCount = opts.minCount ?? 1;
  if (!Number.isInteger(minCount) || minCount < 1) throw new ArgumentError(`${where}: minCount must be an integer >= 1, found ${String(minCount)}`);
  const maxSize = opts.maxSize ?? Infinity;
  if (!(maxSize === Infinity || (Number.isInteger(maxSize) && maxSize >= 1))) {
    throw new ArgumentError(`${where}: maxSize must be an integer >= 1 or Infinity, found ${String(maxSize)}`);
  }
  const unknown = opts.unknown === undefined ? (kind === 'word' ? '<unk>' : null) : opts.unknown;
  if (unknown !== null && (typeof unknown !== 'string' || unknown.length === 0)) {
    throw new ArgumentError(`${where}: unknown must be a non-empty string or null, found ${preview(unknown)}`);
  }
  const lowercase = opts.lowercase ?? false;
  if (typeof lowercase !== 'boolean') throw new ArgumentError(`${where}: lowercase must be a boolean, found ${preview(lowercase)}`);
  return { kind, minCount, maxSize, unknown, lowercase };
}

function checkParts(kind: unknown, tokens: unknown, unknown: unknown, lowercase: unknown): string | null {
  if (kind !== 'char' && kind !== 'word') return `kind must be 'char' or 'word', found ${preview(kind)}`;
  if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string' || t.length === 0)) return 'tokens must be an array of non-empty strings';
  const seen = new Set<string>();
  for (const t of tokens as string[]) {
    if (seen.has(t)) return `token ${JSON.stringify(t)} appears twice`;
    seen.add(t);
  }
  if (unknown !== null && (typeof unknown !== 'string' || tokens[0] !== unknown)) {
    return `the unknown token must be null or tokens[0], found ${preview(unknown)} with tokens[0] = ${preview(tokens[0])}`;
  }
  if (typeof lowercase !== 'boolean') return `lowercase must be a boolean, found ${preview(lowercase)}`;
  return null;
}

/** Counts tokens across chunks. @internal */
export class TokenCounter {
  private readonly counts = new Map<string, number>();
  private readonly splitter: ChunkSplitter;

  constructor(private readonly settings: Settings) {
    const probe = new Vocabulary(settings.kind, [], null, settings.lowercase);
    this.splitter = new ChunkSplitter((text) => probe.split(text), settings.kind);
  }

  add(chunk: string): void {
    this.count(this.splitter.push(chunk));
  }

  finish(): Vocabulary {
    this.count(this.splitter.flush());
    return select(this.counts, this.settings);
  }

  private count(tokens: readonly string[]): void {
    for (const token of tokens) this.counts.set(token, (this.counts.get(token) ?? 0) + 1);
  }
}

function select(counts: ReadonlyMap<string, number>, settings: Settings): Vocabulary {
  const unknown = settings.unknown;
  let kept = [...counts].filter(([token, count]) => count >= settings.minCount && token !== unknown);
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const room = settings.maxSize - (unknown === null ? 0 : 1);
  if (room < 1 && unknown !== null && kept.length > 0) {
    throw new ArgumentError(`Vocabulary: maxSize ${settings.maxSize} leaves no room beside the unknown token`);
  }
  if (kept.length > room) {
    kept.sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0]));
    kept = kept.slice(0, room);
  }
  const tokens = kept.map(([token]) => token);
  if (settings.kind === 'char') tokens.sort(byCodePoint);
  else tokens.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || byCodePoint(a, b));
  return new Vocabulary(settings.kind, unknown === null ? tokens : [unknown, ...tokens], unknown, settings.lowercase);
}

/** A short JSON preview of a value for error messages. @internal */
export function preview(value: unknown): string {
  if (value === undefined) return 'undefined';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
