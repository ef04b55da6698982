import { describe, expect, test } from 'vitest';
import { fc, test as prop } from '@fast-check/vitest';
import { lastValueFrom, take, tap, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { ArgumentError, ShapeError, stack, tensor, zeros } from '../../../src/ops/index.js';
import { arbTensorOfShape } from '../../../src/testing/index.js';
import { fromTensors } from '../../../src/streams/sources/from-tensors.js';
import { paced } from '../../../src/streams/consume.js';
import type { Sample } from '../../../src/streams/types.js';

const all = (source: ReturnType<typeof fromTensors>): Promise<Sample[]> => lastValueFrom(source.pipe(toArray()));
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('fromTensors', () => {
  test('slices along the first axis: [N, F] inputs and [N] labels give [F] inputs and scalar labels', async () => {
    const x = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = tensor([0, 1, 1, 0]);
    const samples = await all(fromTensors(x, y));
    expect(samples.map((s) => s.x.shape)).toEqual([[2], [2], [2], [2]]);
    expect(samples.map((s) => s.y.shape)).toEqual([[], [], [], []]);
    expect(samples.map((s) => s.x.toArray())).toEqual([[0, 0], [0, 1], [1, 0], [1, 1]]);
    expect(samples.map((s) => s.y.item())).toEqual([0, 1, 1, 0]);
  });

  test('one-hot labels [N, C] give [C] labels; images [N, C, H, W] give [C, H, W]', async () => {
    const x = zeros([3, 1, 2, 2]);
    const y = tensor([[1, 0], [0, 1], [1, 0]]);
    const samples = await all(fromTensors(x, y));
    expect(samples.map((s) => [s.x.shape, s.y.shape])).toEqual([
      [[1, 2, 2], [2]],
      [[1, 2, 2], [2]],
      [[1, 2, 2], [2]],
    ]);
    expect(samples[1].y.toArray()).toEqual([0, 1]);
  });

  test('marble: emits N samples and completes; take(1) stops after the first', () => {
    const x = tensor([[1], [2], [3]]);
    const y = tensor([7, 8, 9]);
    let sliced = 0;
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ expectObservable }) => {
      const labels = (source: ReturnType<typeof fromTensors>) => source.pipe(tap(() => sliced++));
      expectObservable(labels(fromTensors(x, y))).toBe('(abc|)', {
        a: { x: tensor([1]), y: tensor(7) },
        b: { x: tensor([2]), y: tensor(8) },
        c: { x: tensor([3]), y: tensor(9) },
      });
      expectObservable(labels(fromTensors(x, y)).pipe(take(1))).toBe('(a|)', { a: { x: tensor([1]), y: tensor(7) } });
    });
    expect(sliced).toBe(4);
  });

  test('N = 0 completes without samples', async () => {
    expect(await all(fromTensors(zeros([0, 3]), zeros([0])))).toEqual([]);
  });

  test('subscribing again replays the dataset', async () => {
    const source = fromTensors(tensor([[1], [2]]), tensor([0, 1]));
    const first = await all(source);
    const second = await all(source);
    expect(second.map((s) => s.x.toArray())).toEqual(first.map((s) => s.x.toArray()));
  });

  test('samples are copies cut off from autograd', async () => {
    const x = tensor([[1, 2], [3, 4]], undefined, { requiresGrad: true });
    const [first] = await all(fromTensors(x, tensor([0, 1])));
    expect(first.x.requiresGrad).toBe(false);
    first.x.data[0] = 99;
    expect(x.data[0]).toBe(1);
  });

  test('a slow consumer slices one sample at a time, and stopping stops the slicing', async () => {
    const n = 10_000;
    let sliced = 0;
    const source = fromTensors(zeros([n, 4]), zeros([n])).pipe(tap(() => sliced++));
    const seen = await lastValueFrom(paced(source, async (s) => { await tick(); return s; }).pipe(take(5), toArray()));
    expect(seen).toHaveLength(5);
    expect(sliced).toBeLessThanOrEqual(6);
  });

  prop.prop(
    [
      fc
        .tuple(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }), fc.integer({ min: 0, max: 3 }))
        .chain(([n, sampleShape, classes]) =>
          fc.tuple(arbTensorOfShape([n, ...sampleShape]), arbTensorOfShape(classes === 0 ? [n] : [n, classes])),
        ),
    ],
    { numRuns: 40 },
  )('for any x [N, ...] and y [N, ...], stacking the samples gives back x and y', async ([x, y]) => {
    const samples = await all(fromTensors(x, y));
    const xs = stack(samples.map((s) => s.x));
    const ys = stack(samples.map((s) => s.y));
    expect(xs.shape).toEqual(x.shape);
    expect(ys.shape).toEqual(y.shape);
    expect(Array.from(xs.data)).toEqual(Array.from(x.data));
    expect(Array.from(ys.data)).toEqual(Array.from(y.data));
  });

  test('first dimensions that differ are a ShapeError naming both shapes', () => {
    const call = () => fromTensors(zeros([5, 3]), zeros([4]));
    expect(call).toThrow(ShapeError);
    expect(call).toThrow('fromTensors: x has 5 samples but y has 4; their first dimensions must match (x [5,3], y [4])');
  });

  test('a scalar has no sample axis: ShapeError', () => {
    expect(() => fromTensors(zeros([2, 2]), tensor(1))).toThrow(ShapeError);
    expect(() => fromTensors(tensor(1), zeros([2]))).toThrow(
      'fromTensors: x must have a first (sample) axis, found a scalar of shape []',
    );
  });

  test('anything but a Tensor is an ArgumentError', () => {
    expect(() => fromTensors([[1]] as never, zeros([1]))).toThrow(ArgumentError);
    expect(() => fromTensors(zeros([1]), null as never)).toThrow('fromTensors: y must be a Tensor, found null');
  });
});
