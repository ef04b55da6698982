/**
 * A pool of worker threads that run the exports of one WASM module in parallel over one shared
 * `WebAssembly.Memory`. The workers start once, when the pool is made; a call wakes them through
 * `Atomics.notify` on a shared control block (see `./control-block.ts`) instead of posting a
 * message, the main thread runs jobs too, then sleeps in `Atomics.wait` until every woken worker
 * has checked out.
 *
 * Jobs are claimed one at a time from a shared counter, so uneven jobs balance themselves, and
 * any thread may run any job: what jobs must not share (a GEMM's packing scratch) is passed per
 * job, not per thread, e.g. one scratch region per job. When each job writes its own part of the
 * output and computes it the same way whichever thread runs it (a GEMM split by output rows or
 * columns), the result is bit for bit the result of running the jobs one after the other.
 *
 * Lifetime: workers are `unref()`ed, so an idle pool never keeps the process alive; `close()`
 * ends them. A job that throws (a WASM trap, an `abort`) makes the call throw an `Error` that
 * names the export, the job's arguments and the thread, after every other participant has
 * stopped; the pool stays usable. A worker that cannot instantiate the module, or a round that
 * outlasts `timeoutMs`, closes the pool.
 *
 * The module must not keep state in memory that two threads would share by accident: every
 * instance runs the module's start function and writes its data segments again, and a runtime
 * allocator (AssemblyScript's `--runtime stub` bump pointer is a per-instance global) would hand
 * the same addresses to every thread. Kernels that allocate nothing, and take their scratch as
 * an argument, are safe.
 *
 * @example
 * ```ts
 * const pool = new WasmThreadPool({ module, memory, threads: 4 });
 * // out rows [0,25), [25,50), ... of a 100-row fill, one job each
 * pool.parallelFor('fill', [0, 25, 50, 75].map((row) => [outPtr, row, row + 25, 7]));
 * await pool.close();
 * ```
 */
import { Worker } from 'node:worker_threads';
import { ArgumentError } from '../../errors.js';
import {
  ARG_CAPACITY,
  MAX_ARGS,
  MAX_JOBS_PER_ROUND,
  STARTUP_FAILED,
  Slot,
  WorkerState,
  controlLayout,
  readMessage,
  seqSlot,
  type ControlLayout,
} from './control-block.js';
import { evaluateImportsSource } from './imports-source.js';
import { checkJobs, describeCall } from './jobs.js';
import { type WasmThreadPoolOptions, resolvePoolOptions } from './pool-options.js';
import { type WasmExports, type WasmImports, type WasmModuleLike, wasm } from './wasm-types.js';
import { WORKER_SOURCE } from './worker-source.js';

export type { WasmThreadPoolOptions } from './pool-options.js';

const OWNER = 'WasmThreadPool';

type Kernel = (...args: number[]) => unknown;
type Jobs = readonly (readonly number[])[];

/** Runs the exports of one WASM module across worker threads sharing its memory. */
export class WasmThreadPool {
  /** Threads taking part in a call, the main thread included. */
  readonly threads: number;
  /** The exports of the main thread's instance (the workers have their own). */
  readonly exports: WasmExports;
  private readonly functionNames: string[];
  private readonly functions: Kernel[];
  private readonly control: Int32Array;
  private readonly layout: ControlLayout;
  private readonly workers: Worker[] = [];
  private readonly timeoutMs: number;
  private round = 0;
  private broken: string | null = null;
  private closing: Promise<void> | null = null;

  /**
   * Instantiates the module on the main thread and starts `threads - 1` workers, which
   * instantiate it in the background; a call made before they are ready waits for them.
   * @throws ArgumentError for a bad option (see `WasmThreadPoolOptions`).
   * @throws Error when the module cannot be instantiated on the main thread.
   */
  constructor(options: WasmThreadPoolOptions) {
    const { module, memory, threads, importsSource, timeoutMs, spin } = resolvePoolOptions(OWNER, options);
    this.threads = threads;
    this.timeoutMs = timeoutMs;
    const instance = instantiate(module, evaluateImportsSource(importsSource, OWNER)(memory));
    this.exports = instance.exports;
    this.functionNames = wasm.Module.exports(module)
      .filter((entry) => entry.kind === 'function')
      .map((entry) => entry.name);
    this.functions = this.functionNames.map((name) => instance.exports[name] as Kernel);
    this.layout = controlLayout(threads - 1);
    this.control = new Int32Array(new SharedArrayBuffer(this.layout.bytes));
    const shared = { module, memory, control: this.control.buffer, exportNames: this.functionNames };
    for (let id = 0; id < threads - 1; id++) {
      const workerData = { ...shared, id, seq: seqSlot(this.layout, id), importsSource, layout: this.layout, spin };
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData, execArgv: [] });
      worker.on('error', (error) => this.markBroken(`worker ${id} failed: ${error.message}`));
      worker.on('exit', (code) => this.markBroken(`worker ${id} exited with code ${code}`));
      worker.unref();
      this.workers.push(worker);
    }
  }

  /** How many worker threads the pool runs (`threads - 1`). */
  get workerCount(): number {
    return this.workers.length;
  }

  /** Whether `close()` has been called (or a failure closed the pool). */
  get closed(): boolean {
    return this.closing !== null;
  }

  /**
   * Calls export `exportName` once per job, with the job's numbers as its i32 arguments
   * (pointers included), spreading the jobs over the pool; the main thread takes jobs too. Returns
   * when all jobs are done. A single job, or a pool of one thread, runs on the main thread alone.
   *
   * @param jobs - one argument list per call; each has as many arguments as the export takes
   *   (at most 16), each a whole number in the i32 or u32 range.
   * @throws ArgumentError for an unknown export or a bad job (naming the job and the argument).
   * @throws Error naming the export, the job and its arguments when a job fails; or when the pool
   *   is closed or broken.
   */
  parallelFor(exportName: string, jobs: Jobs): void {
    if (this.closing !== null) throw new Error(`${OWNER}: ${exportName}: the pool is closed`);
    const index = this.functionNames.indexOf(exportName);
    if (index < 0) {
      const known = this.functionNames.map((name) => `'${name}'`).join(', ') || 'none';
      throw new ArgumentError(`${OWNER}: no exported function '${exportName}'; the module exports ${known}`);
    }
    const fn = this.functions[index];
    const argc = fn.length;
    if (argc > MAX_ARGS) {
      throw new ArgumentError(`${OWNER}: ${exportName} takes ${argc} arguments, at most ${MAX_ARGS} are supported`);
    }
    checkJobs(OWNER, exportName, argc, jobs);
    if (this.workers.length === 0 || jobs.length <= 1) {
      jobs.forEach((job, j) => this.runOnMain(exportName, fn, job, j, jobs.length));
      return;
    }
    this.assertWorkersUsable(exportName);
    const perRound = argc === 0 ? MAX_JOBS_PER_ROUND : Math.min(MAX_JOBS_PER_ROUND, Math.floor(ARG_CAPACITY / argc));
    for (let first = 0; first < jobs.length; first += perRound) {
      this.runRound(exportName, index, jobs.slice(first, first + perRound), first, jobs.length);
    }
  }

  /**
   * Ends the workers. Safe to call more than once; the pool cannot be used afterwards.
   * @returns a promise that settles once every worker has exited.
   */
  close(): Promise<void> {
    if (this.closing !== null) return this.closing;
    for (let id = 0; id < this.workers.length; id++) {
      Atomics.store(this.control, seqSlot(this.layout, id), -1);
      Atomics.notify(this.control, seqSlot(this.layout, id));
    }
    this.closing = Promise.all(this.workers.map((worker) => worker.terminate())).then(() => undefined);
    return this.closing;
  }

  private runOnMain(exportName: string, fn: Kernel, job: readonly number[], j: number, total: number): void {
    try {
      fn(...job);
    } catch (error) {
      const call = describeCall(exportName, job, j, total);
      throw new Error(`${OWNER}: ${call} failed on the main thread: ${describeError(error)}`, { cause: error });
    }
  }

  private assertWorkersUsable(exportName: string): void {
    for (let id = 0; id < this.workers.length; id++) {
      if (Atomics.load(this.control, seqSlot(this.layout, id) + 1) === WorkerState.FAILED) {
        const reason = readMessage(this.control, this.layout, 1 + id);
        this.fail(`${exportName}: worker ${id} could not instantiate the module: ${reason}`);
      }
    }
    if (this.broken !== null) this.fail(`${exportName}: ${this.broken}`);
  }

  /** One round: jobs `first ..` of `total`, all fitting in the job table. */
  private runRound(exportName: string, index: number, jobs: Jobs, first: number, total: number): void {
    const c = this.control;
    const fn = this.functions[index];
    const argc = fn.length;
    const count = jobs.length;
    for (let j = 0; j < count; j++) {
      for (let i = 0; i < argc; i++) c[this.layout.args + j * argc + i] = jobs[j][i] | 0;
    }
    c[Slot.COUNT] = count;
    c[Slot.EXPORT] = index;
    c[Slot.ARGC] = argc;
    Atomics.store(c, Slot.ERROR_JOB, 0);
    Atomics.store(c, Slot.ERROR_BY, 0);
    Atomics.store(c, Slot.NEXT, 0);
    // The main thread takes a job too, so a round needs at most `count - 1` workers.
    const woken = Math.min(this.workers.length, count - 1);
    Atomics.store(c, Slot.ACTIVE, woken);
    this.round = this.round >= 0x7fffffff ? 1 : this.round + 1;
    for (let id = 0; id < woken; id++) {
      Atomics.store(c, seqSlot(this.layout, id), this.round);
      Atomics.notify(c, seqSlot(this.layout, id), 1);
    }
    let mainError: unknown = null;
    while (Atomics.load(c, Slot.ERROR_JOB) === 0) {
      const job = Atomics.add(c, Slot.NEXT, 1);
      if (job >= count) break;
      try {
        fn(...jobs[job]);
      } catch (error) {
        if (Atomics.compareExchange(c, Slot.ERROR_JOB, 0, job + 1) === 0) mainError = error;
        break;
      }
    }
    this.awaitWorkers(exportName);
    const failed = Atomics.load(c, Slot.ERROR_JOB);
    if (failed === 0) return;
    const by = Atomics.load(c, Slot.ERROR_BY);
    if (failed === STARTUP_FAILED) {
      this.fail(`${exportName}: worker ${by - 1} could not instantiate the module: ${readMessage(c, this.layout, by)}`);
    }
    const call = describeCall(exportName, jobs[failed - 1], first + failed - 1, total);
    if (by === 0) {
      throw new Error(`${OWNER}: ${call} failed on the main thread: ${describeError(mainError)}`, { cause: mainError });
    }
    throw new Error(`${OWNER}: ${call} failed on worker ${by - 1}: ${readMessage(c, this.layout, by)}`);
  }

  /** Sleeps until every woken worker has checked out, or closes the pool after `timeoutMs`. */
  private awaitWorkers(exportName: string): void {
    const c = this.control;
    const deadline = performance.now() + this.timeoutMs;
    // A short poll first: the workers often finish within a microsecond of the main thread.
    for (let i = 0; i < 1000 && Atomics.load(c, Slot.ACTIVE) !== 0; i++);
    for (;;) {
      const active = Atomics.load(c, Slot.ACTIVE);
      if (active === 0) return;
      const left = deadline - performance.now();
      if (left <= 0) this.fail(`${exportName}: ${active} worker(s) did not finish within ${this.timeoutMs} ms`);
      Atomics.wait(c, Slot.ACTIVE, active, left);
    }
  }

  private markBroken(reason: string): void {
    if (this.closing === null && this.broken === null) this.broken = reason;
  }

  /** Closes the pool and throws `message`: its workers are in an unknown state. */
  private fail(message: string): never {
    void this.close();
    throw new Error(`${OWNER}: ${message}; the pool was closed`);
  }
}

function instantiate(module: WasmModuleLike, imports: WasmImports): { readonly exports: WasmExports } {
  try {
    return new wasm.Instance(module, imports);
  } catch (error) {
    const reason = describeError(error);
    throw new Error(`${OWNER}: could not instantiate the module on the main thread: ${reason}`, { cause: error });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
