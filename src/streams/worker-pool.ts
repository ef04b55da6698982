import { Worker } from 'node:worker_threads';

/** What a pool worker posts back: a job's result, a job's error, or a failure to start. */
export type WorkerReply =
  | { readonly kind: 'result'; readonly index: number; readonly payload: unknown }
  | { readonly kind: 'error'; readonly index: number; readonly error: ErrorInfo }
  | { readonly kind: 'fatal'; readonly error: ErrorInfo };

/** An error as it crosses a thread: its name, message and stack, as plain strings. */
export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

/** How to start the workers of a `WorkerPool`, and how its errors are worded. */
export interface WorkerPoolOptions {
  /** How many worker threads, an integer >= 1. */
  readonly size: number;
  /** The workers' JavaScript source, run with `eval: true`: plain JS, the same in every build. */
  readonly source: string;
  /** Passed to every worker as `workerData`; structured-cloneable. */
  readonly workerData?: unknown;
  /** The operator using the pool, first in every message: `parallelMap`. */
  readonly name: string;
  /** What the workers run, for messages: `the transform 'default' of file:///…/augment.mjs`. */
  readonly task: string;
}

/** Where a pool delivers its results and its first failure. */
export interface WorkerPoolHandlers {
  /** A job finished: its index and the payload its worker posted. */
  result(index: number, payload: unknown): void;
  /** The first failure; the pool has already been terminated when this is called. */
  failure(error: Error): void;
}

interface Job {
  readonly index: number;
  readonly payload: unknown;
  readonly transfer: readonly ArrayBuffer[];
}

/**
 * A fixed set of `worker_threads` that run one job at a time each, fed from a FIFO queue.
 * Jobs are numbered by the caller; a reply names its job, so results may come back in any
 * order. A worker that throws, crashes or exits is reported with the number of the job it
 * was running, once, and the whole pool is terminated: after a failure nothing more is
 * delivered. `terminate()` stops every worker; `size` counts the threads still alive and
 * drops to 0 once their `exit` events have fired, so a terminated pool keeps nothing
 * running and nothing holding the process open.
 *
 * The queue is unbounded: the caller bounds it (`parallelMap` keeps at most `maxInFlight`
 * items between its source and its consumer).
 */
export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, number>();
  private readonly queue: Job[] = [];
  private alive = 0;
  private stopped = false;

  constructor(
    private readonly options: WorkerPoolOptions,
    private readonly handlers: WorkerPoolHandlers,
  ) {
    for (let i = 0; i < options.size; i++) this.spawn();
  }

  /** How many worker threads have not exited yet. */
  get size(): number {
    return this.alive;
  }

  /** Runs `payload` on the next idle worker, or queues it; `transfer` buffers are moved, not copied. */
  run(index: number, payload: unknown, transfer: readonly ArrayBuffer[] = []): void {
    if (this.stopped) return;
    this.queue.push({ index, payload, transfer });
    this.dispatch();
  }

  /** Stops every worker; resolves once all of them have exited. Calling it again is harmless. */
  async terminate(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private spawn(): void {
    const worker = new Worker(this.options.source, { eval: true, workerData: this.options.workerData });
    this.workers.push(worker);
    this.idle.push(worker);
    this.alive++;
    worker.on('message', (reply: WorkerReply) => this.receive(worker, reply));
    worker.on('error', (error) => this.fail(`the worker running ${this.options.task} crashed${this.during(worker)}: ${error.message}`, error));
    worker.on('messageerror', (error) => this.fail(`a reply from the worker running ${this.options.task} could not be read${this.during(worker)}`, error));
    worker.on('exit', (code) => {
      this.alive--;
      this.fail(`the worker running ${this.options.task} exited with code ${code}${this.during(worker)}`);
    });
  }

  private receive(worker: Worker, reply: WorkerReply): void {
    if (this.stopped) return;
    if (reply.kind === 'fatal') {
      this.fail(reply.error.message, revive(reply.error));
      return;
    }
    this.running.delete(worker);
    this.idle.push(worker);
    if (reply.kind === 'error') {
      const original = revive(reply.error);
      this.fail(`${this.options.task} threw on sample ${reply.index}: ${original.message}`, original);
      return;
    }
    this.dispatch();
    this.handlers.result(reply.index, reply.payload);
  }

  private dispatch(): void {
    while (!this.stopped && this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.shift() as Worker;
      const job = this.queue.shift() as Job;
      this.running.set(worker, job.index);
      try {
        worker.postMessage({ index: job.index, payload: job.payload }, job.transfer as ArrayBuffer[]);
      } catch (error) {
        this.fail(`sample ${job.index} cannot be sent to a worker: ${(error as Error).message}`, error);
      }
    }
  }

  /** ` on sample 3` when the worker was running a job, ` while idle` otherwise. */
  private during(worker: Worker): string {
    const index = this.running.get(worker);
    return index === undefined ? ' while idle' : ` on sample ${index}`;
  }

  private fail(message: string, cause?: unknown): void {
    if (this.stopped) return;
    void this.terminate();
    this.handlers.failure(new Error(`${this.options.name}: ${message}`, { cause }));
  }
}

/** An `Error` again from its description, keeping the worker-side name and stack. */
function revive(info: ErrorInfo): Error {
  const error = new Error(info.message);
  error.name = info.name;
  if (info.stack !== undefined) error.stack = info.stack;
  return error;
}
