import { describe, expect, test } from 'vitest';
import { Tensor } from '../../../src/ops/index.js';
import type { RecurrentState, StatefulModel, StatefulOutput } from '../../../src/streams/sequences/tbptt.js';
import { Vocabulary } from '../../../src/streams/sequences/tokenize.js';
import { generate } from '../../../src/streams/sequences/generate.js';
import { Elman } from './elman.js';

/**
 * A stateful table model: the logits after token i are `table[i]`; the state counts the steps
 * read so far, so a test can see that the state is carried from call to call.
 */
class TableModel implements StatefulModel {
  training = true;
  readonly steps: number[] = [];
  constructor(readonly table: number[][]) {}
  forwardWithState(x: Tensor, state: RecurrentState | null): StatefulOutput {
    const ids = Array.from(x.data);
    const before = state === null ? 0 : state.count.data[0];
    this.steps.push(before);
    const output = new Tensor(Float32Array.from(ids.flatMap((id) => this.table[id])), [1, ids.length, this.table.length]);
    return { output, state: { count: new Tensor(Float32Array.of(before + ids.length), [1, 1]) } };
  }
  parameters(): Tensor[] {
    return [];
  }
  train(): void {
    this.training = true;
  }
  eval(): void {
    this.training = false;
  }
}

const abc = Vocabulary.fromText('abc');
// After a: c is likeliest; after b: a; after c: b.
const cycle = new TableModel([[0, 1, 3], [3, 0, 1], [1, 3, 0]]);

describe('generate', () => {
  test('temperature 0 follows the most likely token: a → c → b → a …', () => {
    expect(generate(cycle, { prime: 'a', length: 6, temperature: 0, vocabulary: abc })).toBe('cbacba');
  });

  test('the prime is read in one window and the state is carried through every sampled token', () => {
    const model = new TableModel(cycle.table);
    generate(model, { prime: 'abc', length: 4, vocabulary: abc, seed: 3 });
    expect(model.steps).toEqual([0, 3, 4, 5]);
  });

  test('the same seed gives the same text; another seed another text', () => {
    const run = (seed: number) => generate(cycle, { prime: 'a', length: 40, vocabulary: abc, seed });
    expect(run(1)).toBe(run(1));
    expect(run(1)).not.toBe(run(2));
  });

  test('sampling follows softmax(logits / τ): token frequencies match within 4 standard errors', () => {
    const p = 0.8;
    const model = new TableModel([[Math.log(1 - p), Math.log(p)], [Math.log(1 - p), Math.log(p)]]);
    const ab = Vocabulary.fromText('ab');
    const n = 4000;
    for (const [temperature, expected] of [[1, p], [0.5, p ** 2 / (p ** 2 + (1 - p) ** 2)], [2, Math.sqrt(p) / (Math.sqrt(p) + Math.sqrt(1 - p))]]) {
      const text = generate(model, { prime: 'a', length: n, temperature, vocabulary: ab, seed: 7 });
      const share = [...text].filter((c) => c === 'b').length / n;
      expect(Math.abs(share - expected)).toBeLessThan(4 * Math.sqrt((expected * (1 - expected)) / n));
    }
  });

  test('runs an RNN in evaluation mode and restores training mode after', () => {
    const model = new Elman(3, 4, 3, 1);
    const oneHot = (ids: readonly number[]) => new Tensor(Float32Array.from(ids.flatMap((id) => [0, 1, 2].map((j) => (j === id ? 1 : 0)))), [1, ids.length, 3]);
    const modes: boolean[] = [];
    const spy = {
      forwardWithState: (x: Tensor, s: RecurrentState | null) => (modes.push(model.training), model.forwardWithState(x, s)),
      parameters: () => model.parameters(),
      train: () => model.train(),
      eval: () => model.eval(),
      get training() {
        return model.training;
      },
    };
    const text = generate(spy, { prime: 'ab', length: 12, vocabulary: abc, encodeInput: oneHot, seed: 5 });
    expect(text).toHaveLength(12);
    expect(text).toBe(generate(spy, { prime: 'ab', length: 12, vocabulary: abc, encodeInput: oneHot, seed: 5 }));
    expect(modes.every((m) => !m)).toBe(true);
    expect(model.training).toBe(true);
  });

  test('bad options and a model whose logits do not match the vocabulary are errors', () => {
    expect(() => generate(cycle, { prime: '', length: 3, vocabulary: abc })).toThrow('generate: prime must contain at least one token, found an empty prime');
    expect(() => generate(cycle, { prime: 'a', length: 3, temperature: -1, vocabulary: abc })).toThrow('generate: temperature must be a finite number >= 0, found -1');
    expect(() => generate(cycle, { prime: 'a', length: 1.5, vocabulary: abc })).toThrow('generate: length must be an integer >= 0, found 1.5');
    const ab = Vocabulary.fromText('ab');
    expect(() => generate(cycle, { prime: 'a', length: 2, vocabulary: ab })).toThrow('generate: the model must return logits [1, T, 2] (vocabulary size 2), found [1,1,3]');
    const broken = new TableModel([[NaN, 0, 0], [0, 0, 0], [0, 0, 0]]);
    expect(() => generate(broken, { prime: 'a', length: 2, vocabulary: abc })).toThrow('generate: the model returned a non-finite logit NaN for token 0');
  });
});
