import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import asc from 'assemblyscript/asc';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { ArgumentError } from '../../../src/ops/errors.js';
import { Rng } from '../../../src/ops/rng.js';
import { getKernelThreads, parseKernelThreads, setKernelThreads } from '../../../src/ops/kernels/threads/config.js';
import { WasmThreadPool } from '../../../src/ops/kernels/threads/pool.js';
import { type WasmMemoryLike, type WasmModuleLike, wasm } from '../../../src/ops/kernels/threads/wasm-types.js';

/** Kernels standing in for the GEMM: each job writes its own part of the output. */
const KERNELS = `
export function fill(ptr: usize, begin: i32, end: i32, value: i32): void {
  for (let i = begin; i < end; i++) store<i32>(ptr + (<usize>i << 2), value);
}
export function increment(ptr: usize, begin: i32, end: i32): void {
  for (let i = begin; i < end; i++) store<i32>(ptr + (<usize>i << 2), load<i32>(ptr + (<usize>i << 2)) + 1);
}
/** out[i,j] = sum_p a[i,p]·b[p,j] in float32, p ascending, for the given block of out. */
export function matmul(
  a: usize, b: usize, out: usize, m: i32, k: i32, n: i32, r0: i32, r1: i32, c0: i32, c1: i32,
): void {
  for (let i = r0; i < r1; i++) {
    for (let j = c0; j < c1; j++) {
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) {
        acc += load<f32>(a + (<usize>(i * k + p) << 2)) * load<f32>(b + (<usize>(p * n + j) << 2));
      }
      store<f32>(out + (<usize>(i * n + j) << 2), acc);
    }
  }
}
export function boom(x: i32): void { if (x > 0) unreachable(); }
export function check(x: i32): void { assert(x < 0, "x must be negative"); }
`;
/** Kernels that need imports the default import object lacks. */
const WITH_IMPORTS = `
@external("env", "scale") declare function scale(): i32;
@external("env", "inPoolWorker") declare function inPoolWorker(): bool;
export function scaled(ptr: usize, begin: i32, end: i32, value: i32): void {
  for (let i = begin; i < end; i++) store<i32>(ptr + (<usize>i << 2), value * scale());
}
/** On a pool worker: set the flag and trap. Elsewhere: wait (a bounded time) for the flag. */
export function trapOnWorker(flag: usize): void {
  if (inPoolWorker()) {
    atomic.store<i32>(flag, 1);
    unreachable();
  }
  for (let i = 0; i < 1_000_000_000 && atomic.load<i32>(flag) == 0; i++) {}
}
/** On a pool worker: say so at flag + 4, spin until the flag is set. Elsewhere: wait (bounded) for that. */
export function stallOnWorker(flag: usize): void {
  if (inPoolWorker()) {
    atomic.store<i32>(flag + 4, 1);
    while (atomic.load<i32>(flag) == 0) {}
    return;
  }
  for (let i = 0; i < 1_000_000_000 && atomic.load<i32>(flag + 4) == 0; i++) {}
}
`;
const WITH_IMPORTS_SOURCE = `(memory) => ({ env: {
  memory,
  abort() { throw new Error('abort'); },
  scale: () => 3,
  inPoolWorker: () => process.getBuiltinModule('node:worker_threads').workerData?.exportNames !== undefined,
} })`;

async function compile(source: string): Promise<Uint8Array> {
  const result = await asc.compileString(source, {
    importMemory: true, sharedMemory: true, initialMemory: 4, maximumMemory: 64,
    enable: ['threads', 'simd'], runtime: 'stub', optimizeLevel: 2,
  });
  if (result.error !== null || result.binary === null) throw new Error(`asc: ${result.stderr.toString()}`);
  return result.binary;
}

const sharedMemory = (): WasmMemoryLike => new wasm.Memory({ initial: 4, maximum: 64, shared: true });
const BASE = 4096;
const opts = { timeoutMs: 10_000 };

let binary: Uint8Array;
let module: WasmModuleLike;
let moduleWithImports: WasmModuleLike;
let memory: WasmMemoryLike;
/** Pools of 1, 2 and 3 threads over the same memory. */
const pools = new Map<number, WasmThreadPool>();
const pool = (threads: number) => pools.get(threads) as WasmThreadPool;
const i32 = (ptr: number, length: number) => new Int32Array(memory.buffer, ptr, length);
const poolWithImports = (on: WasmMemoryLike, threads: number, timeoutMs = opts.timeoutMs) =>
  new WasmThreadPool({ module: moduleWithImports, memory: on, threads, importsSource: WITH_IMPORTS_SOURCE, timeoutMs });

beforeAll(async () => {
  binary = await compile(KERNELS);
  module = new wasm.Module(binary);
  moduleWithImports = new wasm.Module(await compile(WITH_IMPORTS));
  memory = sharedMemory();
  for (const threads of [1, 2, 3]) pools.set(threads, new WasmThreadPool({ module, memory, threads, ...opts }));
});

afterAll(async () => {
  await Promise.all([...pools.values()].map((p) => p.close()));
});

/** Row-major float32 product, p ascending, one rounding per operation: what the kernel computes. */
function float32Product(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc = Math.fround(acc + Math.fround(a[i * k + p] * b[p * n + j]));
      out[i * n + j] = acc;
    }
  }
  return out;
}

const arbSplit = fc.record({
  m: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 0, max: 40 }), n: fc.integer({ min: 1, max: 40 }),
  byRows: fc.boolean(), cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 7 }),
  threads: fc.constantFrom(1, 2, 3), seed: fc.nat(),
});

describe('WasmThreadPool', () => {
  test.prop([arbSplit], { numRuns: 25 })(
    'a product split into row or column blocks over the pool equals one call on the main thread, bit for bit',
    ({ m, k, n, byRows, cuts, threads, seed }) => {
      const rng = new Rng(seed);
      const a = Float32Array.from({ length: m * k }, () => rng.normal());
      const b = Float32Array.from({ length: k * n }, () => rng.normal());
      const pa = BASE;
      const pb = pa + 4 * m * k;
      const whole = pb + 4 * k * n;
      const split = whole + 4 * m * n;
      new Float32Array(memory.buffer, pa, m * k).set(a);
      new Float32Array(memory.buffer, pb, k * n).set(b);
      i32(split, m * n).fill(-1);
      const dim = byRows ? m : n;
      const bounds = [0, ...cuts.map((c) => Math.floor(c * dim)).sort((x, y) => x - y), dim];
      const jobs = bounds.slice(1).map((end, t) => {
        const begin = bounds[t];
        return byRows ? [pa, pb, split, m, k, n, begin, end, 0, n] : [pa, pb, split, m, k, n, 0, m, begin, end];
      });
      pool(threads).parallelFor('matmul', jobs);
      (pool(1).exports.matmul as (...args: number[]) => void)(pa, pb, whole, m, k, n, 0, m, 0, n);
      expect(i32(split, m * n)).toEqual(i32(whole, m * n));
      expect(new Float32Array(memory.buffer, split, m * n)).toEqual(float32Product(a, b, m, k, n));
    },
  );

  test('fill jobs over three threads write each job its value: [0,3)=1, [3,7)=2, [7,12)=3', () => {
    i32(BASE, 12).fill(0);
    pool(3).parallelFor('fill', [[BASE, 0, 3, 1], [BASE, 3, 7, 2], [BASE, 7, 12, 3]]);
    expect(Array.from(i32(BASE, 12))).toEqual([1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
  });

  test('more jobs than one round holds (9000 one-element jobs) each run exactly once', () => {
    const jobs = Array.from({ length: 9000 }, (_, j) => [BASE, j, j + 1]);
    i32(BASE, jobs.length).fill(0);
    pool(2).parallelFor('increment', jobs);
    expect(i32(BASE, jobs.length).every((v) => v === 1)).toBe(true);
  });

  // 3 threads on a 2-core machine oversubscribe it, so fewer calls there.
  test.each([[2, 3000], [3, 500]])('%i threads, %i back-to-back calls: every job runs exactly once', (threads, calls) => {
    const jobs = Array.from({ length: threads + 1 }, (_, j) => [BASE, 4 * j, 4 * j + 4]);
    i32(BASE, 4 * jobs.length).fill(0);
    for (let c = 0; c < calls; c++) pool(threads).parallelFor('increment', jobs);
    expect(i32(BASE, 4 * jobs.length).every((v) => v === calls)).toBe(true);
  });

  test('a trapping job throws an error naming the export, the job and its arguments; the pool stays usable', () => {
    expect(() => pool(2).parallelFor('boom', [[0], [0], [1], [0]])).toThrow(
      /^WasmThreadPool: boom\(1\) \(job 2 of 4\) failed on (the main thread|worker 0): RuntimeError: unreachable$/,
    );
    expect(() => pool(3).parallelFor('check', [[-1], [5], [-2]])).toThrow(
      /check\(5\) \(job 1 of 3\) failed on (the main thread|worker \d): Error: abort: x must be negative at input\.ts:\d+/,
    );
    pool(2).parallelFor('fill', [[BASE, 0, 2, 9], [BASE, 2, 4, 9]]);
    expect(Array.from(i32(BASE, 4))).toEqual([9, 9, 9, 9]);
  });

  test('a job that traps on a worker is reported as that worker\'s, and the pool stays usable', async () => {
    const withImports = poolWithImports(memory, 2);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        i32(BASE, 1)[0] = 0;
        expect(() => withImports.parallelFor('trapOnWorker', [[BASE], [BASE]])).toThrow(
          /^WasmThreadPool: trapOnWorker\(4096\) \(job [01] of 2\) failed on worker 0: RuntimeError: unreachable$/,
        );
      }
      withImports.parallelFor('scaled', [[BASE, 0, 2, 2], [BASE, 2, 4, 2]]);
      expect(Array.from(i32(BASE, 4))).toEqual([6, 6, 6, 6]);
    } finally {
      await withImports.close();
    }
  });

  test('a worker that outlasts timeoutMs makes the call throw instead of hanging, and the pool closes', async () => {
    const slow = poolWithImports(memory, 2, 300);
    i32(BASE, 2).fill(0);
    try {
      expect(() => slow.parallelFor('stallOnWorker', [[BASE], [BASE]])).toThrow(
        'WasmThreadPool: stallOnWorker: 1 worker(s) did not finish within 300 ms; the pool was closed',
      );
      expect(slow.closed).toBe(true);
      await slow.close();
    } finally {
      i32(BASE, 1)[0] = 1;
    }
  });

  test('a pool of one thread starts no workers and runs every job on the calling thread', () => {
    expect(pool(1).workerCount).toBe(0);
    expect(pool(3).workerCount).toBe(2);
    i32(BASE, 6).fill(0);
    pool(1).parallelFor('fill', [[BASE, 0, 3, 4], [BASE, 3, 6, 5]]);
    expect(Array.from(i32(BASE, 6))).toEqual([4, 4, 4, 5, 5, 5]);
  });

  test('the imports source reaches every thread: scaled() multiplies by the imported scale()', async () => {
    const scaledMemory = sharedMemory();
    expect(() => new WasmThreadPool({ module: moduleWithImports, memory: scaledMemory, threads: 2 })).toThrow(
      /^WasmThreadPool: could not instantiate the module on the main thread: LinkError: .*requires a callable/,
    );
    const scaled = poolWithImports(scaledMemory, 3);
    try {
      for (let round = 0; round < 20; round++) {
        scaled.parallelFor('scaled', [[BASE, 0, 5, round], [BASE, 5, 9, round], [BASE, 9, 12, round]]);
      }
      expect(Array.from(new Int32Array(scaledMemory.buffer, BASE, 12))).toEqual(new Array(12).fill(3 * 19));
    } finally {
      await scaled.close();
    }
  });

  test('a worker that cannot instantiate the module makes the call throw and closes the pool', async () => {
    const importsSource = `(memory) => {
      if (process.getBuiltinModule('node:worker_threads').workerData?.exportNames) throw new Error('no imports here');
      return { env: { memory, abort() {} } };
    }`;
    const broken = new WasmThreadPool({ module, memory: sharedMemory(), threads: 2, importsSource, ...opts });
    expect(() => broken.parallelFor('fill', [[BASE, 0, 1, 1], [BASE, 1, 2, 1]])).toThrow(
      'WasmThreadPool: fill: worker 0 could not instantiate the module: Error: no imports here; the pool was closed',
    );
    expect(broken.closed).toBe(true);
    expect(() => broken.parallelFor('fill', [[BASE, 0, 1, 1]])).toThrow('WasmThreadPool: fill: the pool is closed');
    await broken.close();
  });

  test('bad arguments are rejected with ArgumentErrors that name what was expected and found', () => {
    const p = pool(2);
    expect(() => p.parallelFor('nope', [[]])).toThrow(ArgumentError);
    expect(() => p.parallelFor('nope', [[]])).toThrow(/no exported function 'nope'; the module exports 'fill', 'incr/);
    expect(() => p.parallelFor('fill', [[BASE, 0, 1]])).toThrow('WasmThreadPool: fill takes 4 arguments, job 0 has 3 (4096, 0, 1)');
    expect(() => p.parallelFor('fill', [[BASE, 0, 1, 1.5]])).toThrow(
      'WasmThreadPool: fill: argument 3 of job 0 must be a whole number in [-2^31, 2^32), found 1.5',
    );
    expect(() => p.parallelFor('fill', [[BASE, 0, 1, 2 ** 32]])).toThrow(/found 4294967296/);
    expect(() => p.parallelFor('fill', 'jobs' as never)).toThrow(/jobs must be an array of argument lists, found jobs/);
    expect(() => new WasmThreadPool({ module, memory, threads: 0 })).toThrow(
      'WasmThreadPool: threads must be a whole number from 1 to 256, found 0',
    );
    expect(() => new WasmThreadPool({ module, memory, importsSource: '42' })).toThrow(
      'WasmThreadPool: importsSource must evaluate to a function (memory) => imports, found number',
    );
    expect(() => new WasmThreadPool({ module: {}, memory })).toThrow(/module must be a WebAssembly.Module/);
    const unshared = new wasm.Memory({ initial: 1 });
    expect(() => new WasmThreadPool({ module, memory: unshared, threads: 2 })).toThrow(/must be shared .* for 2 threads/);
    expect(() => new WasmThreadPool({ module, memory, timeoutMs: 0 })).toThrow(/timeoutMs must be a number > 0, found 0/);
  });
});

describe('kernel thread count', () => {
  test('defaults to the cores available, and setKernelThreads returns the previous value', () => {
    const previous = setKernelThreads(3);
    try {
      expect(getKernelThreads()).toBe(3);
      expect(setKernelThreads(1)).toBe(3);
    } finally {
      setKernelThreads(previous);
    }
    if (process.env.STREAMGRAD_THREADS === undefined) expect(previous).toBe(availableParallelism());
  });

  const arbBadCount = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 257 }), fc.double().filter((x) => !Number.isInteger(x)));
  test.prop([arbBadCount])('any number that is not a whole number from 1 to 256 is rejected', (n) => {
    expect(() => setKernelThreads(n)).toThrow(`setKernelThreads: n must be a whole number from 1 to 256, found ${String(n)}`);
  });

  test('STREAMGRAD_THREADS text is read as a whole number, anything else is rejected', () => {
    expect(parseKernelThreads('4', 'STREAMGRAD_THREADS')).toBe(4);
    expect(() => parseKernelThreads('four', 'STREAMGRAD_THREADS')).toThrow(
      'STREAMGRAD_THREADS must be a whole number from 1 to 256, found "four"',
    );
    expect(() => parseKernelThreads('2.5', 'STREAMGRAD_THREADS')).toThrow(ArgumentError);
  });
});

/** Runs `code` (an ES module that may import TypeScript) in a child Node process. */
interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Time from the child's last output to its exit. */
  exitAfterOutputMs: number;
}

function runChild(code: string, env: Record<string, string>): Promise<ChildRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: resolve(__dirname, '../../..'), env: { ...process.env, ...env },
    });
    let [stdout, stderr, outputAt] = ['', '', 0];
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      outputAt = performance.now();
    });
    child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', fail);
    child.on('exit', (exitCode) => {
      clearTimeout(killer);
      done({ code: exitCode, stdout, stderr, exitAfterOutputMs: performance.now() - outputAt });
    });
  });
}

describe('process lifetime', () => {
  const src = (file: string) => JSON.stringify(resolve(__dirname, '../../../src/ops/kernels/threads', file));

  test.concurrent('a process that uses a pool and never closes it exits by itself', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'thread-pool-'));
    try {
      writeFileSync(join(dir, 'kernels.wasm'), binary);
      const code = `
        import { readFileSync } from 'node:fs';
        import { WasmThreadPool } from ${src('pool.ts')};
        import { getKernelThreads } from ${src('config.ts')};
        const memory = new WebAssembly.Memory({ initial: 4, maximum: 64, shared: true });
        const module = new WebAssembly.Module(readFileSync(process.env.WASM_FILE));
        const pool = new WasmThreadPool({ module, memory });
        setTimeout(() => {
          pool.parallelFor('fill', [[${BASE}, 0, 8, 3], [${BASE}, 8, 16, 3]]);
          const sum = new Int32Array(memory.buffer, ${BASE}, 16).reduce((s, v) => s + v, 0);
          console.log(JSON.stringify({ threads: getKernelThreads(), workers: pool.workerCount, sum }));
        }, 300);`;
      const run = await runChild(code, { STREAMGRAD_THREADS: '2', WASM_FILE: join(dir, 'kernels.wasm') });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ threads: 2, workers: 1, sum: 48 });
      expect(run.code).toBe(0);
      expect(run.exitAfterOutputMs).toBeLessThan(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test.concurrent('a bad STREAMGRAD_THREADS stops the program when the setting loads', async () => {
    const run = await runChild(`import ${src('config.ts')};`, { STREAMGRAD_THREADS: 'all' });
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('ArgumentError: STREAMGRAD_THREADS must be a whole number from 1 to 256, found "all"');
  });
});
