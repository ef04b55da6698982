import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, vi } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { type Observable, from, lastValueFrom, map, take, throwError, concat, toArray, EMPTY } from 'rxjs';
import { ArgumentError, Tensor, mul, neg, tensor } from '../../src/ops/index.js';
import { parallelMap } from '../../src/streams/parallel-map.js';
import { decodeWire, encodeWire } from '../../src/streams/parallel-map-worker.js';
import { WorkerPool } from '../../src/streams/worker-pool.js';
import { fromPull } from '../../src/streams/sources/pull.js';
import { paced } from '../../src/streams/consume.js';
// @ts-expect-error: a plain JavaScript fixture, the same function the workers run
import affine from './fixtures/affine.mjs';

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const collect = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()), { defaultValue: [] });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
/** Worker threads this thread has started and that are still running. */
const liveWorkers = (): number => (process.report.getReport() as { workers: unknown[] }).workers.length;
const noWorkersLeft = (): Promise<void> => vi.waitFor(() => expect(liveWorkers()).toBe(0), { timeout: 2_000, interval: 20 });

const arbSample = fc
  .array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 })
  .chain((shape) =>
    fc.record({
      x: fc.array(fc.integer({ min: -50, max: 50 }), { minLength: shape.reduce((a, b) => a * b, 1), maxLength: shape.reduce((a, b) => a * b, 1) }).map((v) => new Tensor(Float32Array.from(v), shape)),
      y: fc.integer({ min: 0, max: 9 }).map((c) => tensor(c)),
    }),
  );
const arbItem = fc.oneof(arbSample, fc.integer(), fc.record({ label: fc.string(), values: fc.array(fc.double({ noNaN: true }), { maxLength: 3 }) }));
const byIndex = (a: { index: number }, b: { index: number }): number => a.index - b.index;

describe('parallelMap: the same results as map', () => {
  test.prop([fc.array(arbItem, { maxLength: 10 })], { numRuns: 3 })('for any items, ordered parallelMap(f) emits what map(f) emits', async (items) => {
    const parallel = await collect(from(items).pipe(parallelMap(fixture('affine.mjs'), { workers: 2 })));
    expect(parallel).toEqual(await collect(from(items).pipe(map(affine))));
  });

  test.prop([fc.array(arbItem, { maxLength: 10 })], { numRuns: 3 })('for any items, unordered parallelMap(f) emits the same multiset as map(f)', async (items) => {
    const parallel = await collect(from(items).pipe(parallelMap<unknown, { index: number }>(fixture('affine.mjs'), { workers: 2, ordered: false })));
    expect(parallel.sort(byIndex)).toEqual(await collect(from(items).pipe(map(affine))));
  });

  test('the transform gets real Tensors and computes with the package ops; a named export is chosen by exportName', async () => {
    const samples = () => [1, 2, 3].map((v) => ({ x: tensor([v, -v]), y: tensor(v) }));
    const doubled = await collect(from(samples()).pipe(parallelMap<unknown, { x: Tensor; y: Tensor; wasTensor: boolean }>(fixture('double.mjs'), { workers: 2 })));
    expect(doubled.map((s) => s.wasTensor)).toEqual([true, true, true]);
    expect(doubled.map((s) => s.x)).toEqual(samples().map((s) => mul(s.x, 2)));
    expect(doubled.map((s) => s.y)).toEqual(samples().map((s) => s.y));
    const negated = await collect(from(samples()).pipe(parallelMap<unknown, { x: Tensor }>(fixture('double.mjs'), { workers: 1, exportName: 'negate' })));
    expect(negated.map((s) => s.x)).toEqual(samples().map((s) => neg(s.x)));
    await noWorkersLeft(); // completing terminated both pools
  });

  test('unordered emits results as they finish; ordered holds them back until the earlier ones are done', async () => {
    // Item 1 finishes first by construction (see gate.mjs); the gate is shared memory, so both workers see it.
    const items = () => {
      const gate = new Int32Array(new SharedArrayBuffer(4));
      return [{ gate, index: 0 }, { gate, index: 1 }];
    };
    expect(await collect(from(items()).pipe(parallelMap(fixture('gate.mjs'), { workers: 2, ordered: false })))).toEqual([1, 0]);
    expect(await collect(from(items()).pipe(parallelMap(fixture('gate.mjs'), { workers: 2 })))).toEqual([0, 1]);
  });

  test('an empty source completes', async () => {
    expect(await collect(EMPTY.pipe(parallelMap(fixture('affine.mjs'), { workers: 1 })))).toEqual([]);
  });
});

describe('parallelMap: tensors cross by the wire format', () => {
  test('a Sample crosses as { value, tensors: [{ path, data, shape }] } and is rebuilt with real Tensors', () => {
    const sample = { x: tensor([[1, 2], [3, 4]]), y: tensor(1), meta: { id: 'a', parts: [tensor([5])] } };
    const { wire, transfer } = encodeWire(sample, false);
    expect(wire.value).toEqual({ x: null, y: null, meta: { id: 'a', parts: [null] } });
    expect(wire.tensors.map((t) => [t.path, t.shape])).toEqual([[['x'], [2, 2]], [['y'], []], [['meta', 'parts', 0], [1]]]);
    expect(transfer).toHaveLength(3);
    const back = decodeWire(structuredClone(wire, { transfer })) as typeof sample;
    expect(back).toEqual(sample);
    expect(back.meta.parts[0]).toBeInstanceOf(Tensor);
    expect(decodeWire(encodeWire(tensor([7, 8]), false).wire)).toEqual(tensor([7, 8]));
  });

  test('inputs are copied by default, so the upstream tensors stay intact; transferInputs moves them', () => {
    const x = tensor([1, 2, 3]);
    const copied = encodeWire({ x }, false);
    structuredClone(copied.wire, { transfer: copied.transfer });
    expect(x.toArray()).toEqual([1, 2, 3]);
    const moved = encodeWire({ x }, true);
    expect(moved.transfer).toEqual([x.data.buffer]);
    structuredClone(moved.wire, { transfer: moved.transfer });
    expect(x.data.length).toBe(0);
  });

  test('a view into a larger buffer is copied, never moved; a buffer shared by two tensors is sent once', () => {
    const big = new Float32Array([1, 2, 3, 4]);
    const view = new Tensor(big.subarray(2), [2]);
    const whole = new Tensor(Float32Array.of(5, 6), [2]);
    const { wire, transfer } = encodeWire({ x: view, y: whole, z: whole.reshape([1, 2]) }, true);
    expect(transfer).toHaveLength(2);
    expect(transfer).not.toContain(big.buffer);
    const back = decodeWire(structuredClone(wire, { transfer })) as { x: Tensor; y: Tensor; z: Tensor };
    expect(Array.from(big)).toEqual([1, 2, 3, 4]);
    expect(back.x.toArray()).toEqual([3, 4]);
    expect(back.y.data.buffer).toBe(back.z.data.buffer);
  });

  test('a tensor whose buffer was already moved is refused, naming where it is', () => {
    const x = tensor([1, 2]);
    const moved = encodeWire({ x }, true);
    structuredClone(moved.wire, { transfer: moved.transfer });
    expect(() => encodeWire({ x }, false)).toThrow(/tensor at x has 0 values but its shape \[2\] needs 2/);
  });

  test('with workers: inputs stay intact by default and are emptied under transferInputs', async () => {
    const input = { x: tensor([1, 2]), y: tensor(0) };
    const [kept] = await collect(from([input]).pipe(parallelMap<unknown, { x: Tensor }>(fixture('double.mjs'), { workers: 1 })));
    expect(kept.x.toArray()).toEqual([2, 4]);
    expect(input.x.toArray()).toEqual([1, 2]);
    const [moved] = await collect(from([input]).pipe(parallelMap<unknown, { x: Tensor }>(fixture('double.mjs'), { workers: 1, transferInputs: true })));
    expect(moved.x.toArray()).toEqual([2, 4]);
    expect(input.x.data.length).toBe(0);
  });
});

describe('parallelMap: back-pressure', () => {
  test('a slow consumer holds the source back: at most maxInFlight items between source and consumer', async () => {
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    const source = fromPull(function* () {
      for (let i = 0; i < 40; i++) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - consumed);
        yield i;
      }
    });
    const results = paced(source.pipe(parallelMap<number>(fixture('slow.mjs'), { workers: 2, maxInFlight: 3 })), async (v) => {
      consumed++;
      await sleep(3);
      return v;
    });
    expect(await collect(results)).toEqual(range(40));
    // The source reads ahead to the bound (3 items before the consumer has taken any) and never past it.
    expect(maxAhead).toBe(3);
  });
});

describe('parallelMap: errors and teardown', () => {
  test('a transform that throws errors the stream, naming the sample, module, export and message; the pool is torn down', async () => {
    const run = collect(from(range(8)).pipe(parallelMap(fixture('throws-on-3.mjs'), { workers: 2 })));
    await expect(run).rejects.toThrow(/^parallelMap: the transform 'default' of file:.*throws-on-3\.mjs threw on sample 3: three is not allowed$/);
    await expect(run).rejects.toHaveProperty('cause.name', 'RangeError');
    await noWorkersLeft();
  });

  test('a worker that exits or crashes errors the stream, naming the sample and the exit code or exception', async () => {
    const exits = collect(from(range(6)).pipe(parallelMap(fixture('exits.mjs'), { workers: 2 })));
    await expect(exits).rejects.toThrow(/^parallelMap: the worker running the transform 'default' of file:.*exits\.mjs exited with code 7 on sample 2$/);
    const crashes = collect(from(range(4)).pipe(parallelMap(fixture('crashes.mjs'), { workers: 2 })));
    await expect(crashes).rejects.toThrow(/^parallelMap: the worker running the transform 'default' of file:.*crashes\.mjs crashed on sample 1: late failure$/);
    await noWorkersLeft();
  });

  test('a missing export or a module that fails to load errors the stream at subscription', async () => {
    await expect(collect(from([1]).pipe(parallelMap(fixture('double.mjs'), { workers: 1, exportName: 'triple' })))).rejects.toThrow(
      /^parallelMap: file:.*double\.mjs has no function export "triple": its exports: default, negate$/,
    );
    await expect(collect(from([1]).pipe(parallelMap('data:text/javascript,throw new Error("broken module")', { workers: 1 })))).rejects.toThrow(
      /^parallelMap: cannot load the transform module data:text\/javascript,.*: broken module$/,
    );
  });

  test('an upstream error is passed on and terminates the pool', async () => {
    const failing = concat(from([1, 2]), throwError(() => new Error('source broke')));
    await expect(collect(failing.pipe(parallelMap(fixture('slow.mjs'), { workers: 2 })))).rejects.toThrow('source broke');
    await noWorkersLeft();
  });

  test('unsubscribing stops the source and terminates the pool: no worker thread is left running', async () => {
    let closed = false;
    const endless = fromPull(function* () {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    });
    expect(await collect(endless.pipe(parallelMap<number>(fixture('slow.mjs'), { workers: 2 }), take(3)))).toEqual([0, 1, 2]);
    expect(closed).toBe(true);
    await noWorkersLeft();
  });

  test('a process that unsubscribes from parallelMap exits by itself (no thread keeps it alive)', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const src = (path: string): string => JSON.stringify(new URL(`../../src/streams/${path}`, import.meta.url).href);
    const script = `
      import { take } from 'rxjs';
      import { parallelMap } from ${src('parallel-map.ts')};
      import { fromPull } from ${src('sources/pull.ts')};
      const endless = fromPull(function* () { for (let i = 0; ; i++) yield i; });
      endless.pipe(parallelMap(new URL(${JSON.stringify(fixture('slow.mjs').href)}), { workers: 2 }), take(3))
        .subscribe({ next: (v) => console.log(v), complete: () => console.log('complete') });`;
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { timeout: 15_000 }, (error, out) =>
        resolve({ code: error === null ? 0 : (error.code as number | null), stdout: out }),
      );
      child.stdin?.end();
    });
    expect(stdout.trim().split('\n')).toEqual(['0', '1', '2', 'complete']);
    expect(code).toBe(0);
  });
});

describe('parallelMap: options are checked when the operator is created', () => {
  const url = fixture('double.mjs');
  test.each([
    [{ workers: 0 }, 'parallelMap: workers must be an integer >= 1, found 0'],
    [{ workers: 1.5 }, 'parallelMap: workers must be an integer >= 1, found 1.5'],
    [{ workers: 2, maxInFlight: 0 }, 'parallelMap: maxInFlight must be an integer >= 1, found 0'],
    [{ ordered: 'yes' }, "parallelMap: ordered must be a boolean, found 'yes'"],
    [{ transferInputs: 1 }, 'parallelMap: transferInputs must be a boolean, found 1'],
    [{ exportName: '' }, 'parallelMap: exportName must be a non-empty string, found '],
    [{ worker: 2 }, "parallelMap: unknown option 'worker' (expected one of workers, ordered, maxInFlight, exportName, transferInputs)"],
  ])('%o is refused', (options, message) => {
    expect(() => parallelMap(url, options as never)).toThrow(ArgumentError);
    expect(() => parallelMap(url, options as never)).toThrow(message);
  });

  test.each([
    ['./fixtures/double.mjs', "found './fixtures/double.mjs'"],
    ['double.mjs', "found 'double.mjs'"],
    ['https://example.com/double.mjs', "found 'https://example.com/double.mjs'"],
    [42, 'found 42'],
  ])('module %o is refused: it must be an absolute file: or data: URL', (moduleUrl, found) => {
    expect(() => parallelMap(moduleUrl as string)).toThrow(ArgumentError);
    expect(() => parallelMap(moduleUrl as string)).toThrow(`parallelMap: moduleUrl must be a file: or data: URL or an absolute path, such as new URL('./transform.mjs', import.meta.url); ${found}`);
  });

  test('a module file that does not exist is refused, by URL or by absolute path', () => {
    expect(() => parallelMap(fixture('missing.mjs'))).toThrow(/^parallelMap: moduleUrl file:.*\/fixtures\/missing\.mjs does not exist$/);
    expect(() => parallelMap('/nowhere/missing.mjs')).toThrow('parallelMap: moduleUrl file:///nowhere/missing.mjs does not exist');
  });
});

describe('WorkerPool', () => {
  const echo = `import('node:worker_threads').then(({ parentPort }) =>
    parentPort.on('message', ({ index, payload }) => parentPort.postMessage({ kind: 'result', index, payload: payload * 10 })));`;

  test('runs every job once, and after terminate() every thread has exited (size 0)', async () => {
    const results = new Map<number, unknown>();
    let failure: Error | null = null;
    let done: () => void = () => undefined;
    const allDone = new Promise<void>((resolve) => (done = resolve));
    const pool = new WorkerPool(
      { size: 2, source: echo, name: 'test', task: 'echo' },
      {
        result: (index, payload) => {
          results.set(index, payload);
          if (results.size === 5) done();
        },
        failure: (error) => (failure = error),
      },
    );
    expect(pool.size).toBe(2);
    for (const i of range(5)) pool.run(i, i);
    await allDone;
    expect([...results.entries()].sort((a, b) => a[0] - b[0])).toEqual(range(5).map((i) => [i, i * 10]));
    await pool.terminate();
    expect(pool.size).toBe(0);
    expect(failure).toBeNull();
  });
});
