/**
 * A strict, byte-level JSON reader for safetensors headers. `JSON.parse` is not strict enough
 * for untrusted files: it keeps the last of duplicate keys, rounds integers above 2^53 and
 * reports no byte offsets. This cursor reads the bytes directly, so every error carries the
 * file offset, numbers are checked as text, and the caller sees every key (duplicates too).
 * It never recurses, so no nesting depth can overflow the stack.
 */

/** Throws a `CheckpointError` for file byte `at`; supplied by the header parser. */
export type Fail = (at: number, message: string) => never;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_SAFE_TEXT = String(Number.MAX_SAFE_INTEGER);

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence in
 * `bytes[start, end)`, or −1 when all of it is valid. Follows the WHATWG decoder: overlong
 * forms, surrogates (U+D800–U+DFFF) and code points above U+10FFFF are invalid.
 */
export function firstInvalidUtf8(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const lead = bytes[i];
    if (lead < 0x80) {
      i++;
      continue;
    }
    let trailing: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      trailing = 1;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      trailing = 2;
      if (lead === 0xe0) low = 0xa0; // overlong
      if (lead === 0xed) high = 0x9f; // surrogates
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      trailing = 3;
      if (lead === 0xf0) low = 0x90; // overlong
      if (lead === 0xf4) high = 0x8f; // above U+10FFFF
    } else {
      return i;
    }
    if (i + trailing >= end) return i;
    for (let k = 1; k <= trailing; k++) {
      const byte = bytes[i + k];
      const min = k === 1 ? low : 0x80;
      const max = k === 1 ? high : 0xbf;
      if (byte < min || byte > max) return i;
    }
    i += trailing + 1;
  }
  return -1;
}

/** A position in the header bytes with the few reads a safetensors header needs. */
export class JsonCursor {
  /** The file offset of the next byte to read. */
  pos: number;
  private readonly decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** Reads `bytes[start, end)`, which must already be valid UTF-8 (see `firstInvalidUtf8`). */
  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
    private readonly fail: Fail,
  ) {
    this.pos = start;
  }

  /** Skips JSON whitespace: space, tab, line feed, carriage return. */
  skipWhitespace(): void {
    while (this.pos < this.end) {
      const c = this.bytes[this.pos];
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.pos++;
    }
  }

  /** What the next byte starts, for messages: `a string`, `'x'`, `byte 0xc3`, `the end of the header`. */
  describe(at = this.pos): string {
    if (at >= this.end) return 'the end of the header';
    const c = this.bytes[at];
    const char = String.fromCharCode(c);
    if (char === '"') return 'a string';
    if (char === '{') return 'an object';
    if (char === '[') return 'an array';
    if (char === '-' || (char >= '0' && char <= '9')) return 'a number';
    if (char === 't' || char === 'f') return 'a boolean';
    if (c > 0x20 && c < 0x7f) return `'${char}'`;
    return `byte 0x${c.toString(16).padStart(2, '0')}`;
  }

  /** Skips whitespace, then consumes `char` when it comes next. */
  tryConsume(char: string): boolean {
    this.skipWhitespace();
    if (this.pos < this.end && this.bytes[this.pos] === char.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Skips whitespace, then requires `char`; `expected` words the message. */
  expect(char: string, expected: string): void {
    if (!this.tryConsume(char)) this.fail(this.pos, `expected ${expected}, found ${this.describe()}`);
  }

  /**
   * Reads `{ "key": value, ... }`. For each key, `onKey(key, at)` is called with `at` the
   * key's file offset and the cursor on its value, which `onKey` must read.
   */
  readObject(what: string, onKey: (key: string, at: number) => void): void {
    this.expect('{', `${what} to be an object`);
    if (this.tryConsume('}')) return;
    do {
      this.skipWhitespace();
      const at = this.pos;
      const key = this.readString(`a key in ${what}`);
      this.expect(':', `':' after the key`);
      this.skipWhitespace();
      onKey(key, at);
    } while (this.tryConsume(','));
    this.expect('}', `',' or '}' in ${what}`);
  }

  /** Reads a JSON string; escapes are checked here and decoded by `JSON.parse`. */
  readString(what: string): string {
    this.skipWhitespace();
    const start = this.pos;
    if (start >= this.end || this.bytes[start] !== QUOTE) {
      this.fail(start, `expected ${what} to be a string, found ${this.describe()}`);
    }
    let i = start + 1;
    let escaped = false;
    for (;;) {
      if (i >= this.end) this.fail(start, 'unterminated string');
      const c = this.bytes[i];
      if (c === QUOTE) break;
      if (c < 0x20) this.fail(i, `control character 0x${c.toString(16).padStart(2, '0')} in a string (JSON needs it escaped)`);
      if (c === BACKSLASH) {
        escaped = true;
        i += this.escapeLength(i);
      } else {
        i++;
      }
    }
    this.pos = i + 1;
    const literal = this.decoder.decode(this.bytes.subarray(start, this.pos));
    return escaped ? (JSON.parse(literal) as string) : literal.slice(1, -1);
  }

  /** Length of the escape sequence at `at` (a backslash), or a failure if it is not one of JSON's. */
  private escapeLength(at: number): number {
    const next = at + 1 < this.end ? String.fromCharCode(this.bytes[at + 1]) : '';
    if ('"\\/bfnrt'.includes(next) && next !== '') return 2;
    if (next === 'u') {
      const hex = at + 6 <= this.end ? String.fromCharCode(...this.bytes.subarray(at + 2, at + 6)) : '';
      if (/^[0-9a-fA-F]{4}$/.test(hex)) return 6;
    }
    return this.fail(at, 'invalid escape sequence in a string');
  }

  /**
   * Reads a non-negative integer no larger than 2^53 − 1, checked as text: `1.0`, `1e3`, `-1`
   * and `9007199254740993` are all refused (`JSON.parse` would round the last one).
   */
  readInteger(what: string): number {
    this.skipWhitespace();
    const start = this.pos;
    let i = start;
    while (i < this.end && isNumberByte(this.bytes[i])) i++;
    if (i === start) this.fail(start, `expected ${what} to be a non-negative integer, found ${this.describe()}`);
    const text = this.decoder.decode(this.bytes.subarray(start, i));
    const shown = text.length > 40 ? `${text.slice(0, 40)}...` : text;
    if (!/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(text)) this.fail(start, `invalid JSON number ${shown}`);
    if (!/^(0|[1-9][0-9]*)$/.test(text)) this.fail(start, `expected ${what} to be a non-negative integer, found ${shown}`);
    if (text.length > MAX_SAFE_TEXT.length || (text.length === MAX_SAFE_TEXT.length && text > MAX_SAFE_TEXT)) {
      this.fail(start, `${what} ${shown} is above 2^53 - 1 = ${MAX_SAFE_TEXT}, beyond what a JavaScript number holds exactly`);
    }
    this.pos = i;
    return Number(text);
  }
}

/** Bytes that can appear in a JSON number token: digits, `-`, `+`, `.`, `e`, `E`. */
function isNumberByte(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;
}
