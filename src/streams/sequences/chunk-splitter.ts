import type { VocabularyKind } from './vocabulary.js';

/**
 * Splits text arriving in chunks as if it were one string: holds back the part of each
 * chunk that the next chunk could still extend (a trailing word, a lone high surrogate).
 * @internal
 */
export class ChunkSplitter {
  private carry = '';

  constructor(
    private readonly split: (text: string) => string[],
    private readonly kind: VocabularyKind,
  ) {}

  push(chunk: string): string[] {
    const text = this.carry + chunk;
    let cut = text.length;
    if (this.kind === 'char') {
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
    } else {
      // Hold back the trailing run of non-space characters: it may continue in the next chunk.
      while (cut > 0 && !/\s/.test(text[cut - 1])) cut--;
    }
    this.carry = text.slice(cut);
    return this.split(text.slice(0, cut));
  }

  flush(): string[] {
    const rest = this.carry;
    this.carry = '';
    return this.split(rest);
  }
}
