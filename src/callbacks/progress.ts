import cliProgress from 'cli-progress';
import { type MonoTypeOperatorFunction, asyncScheduler, defer, tap } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { BatchEndEvent, EpochEndEvent, Logs, TrainEvent } from '../streams/index.js';

/** Where `progress` writes: `process.stdout`, or any writable stream (a TTY gets the bar). */
export type ProgressStream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

/** Options of `progress`. */
export interface ProgressOptions {
  /** Where to write; a bar is drawn only when `stream.isTTY` is true. @default process.stdout */
  readonly stream?: ProgressStream;
  /** The `epochs` given to `fit`, shown as `epoch k/N`; without it, `epoch k`. */
  readonly epochs?: number;
  /**
   * Batches per epoch, for the bar and ETA of the first epoch. Without it the first epoch
   * shows a count only; every later epoch uses the count the previous epoch ended with.
   */
  readonly batchesPerEpoch?: number;
  /** Log keys shown besides `loss` (with their `val_` forms). @default every key in the logs */
  readonly metrics?: readonly string[];
}

/**
 * Reports training on a terminal, like Keras' progress bar: during an epoch a bar (drawn with
 * `cli-progress`) with the batch count, samples/s, ETA and the running means of the loss and
 * metrics (weighted by batch size, so the last value is the epoch's); at each `epochEnd` one
 * summary line, and for a `stop` event a line `stopped: <reason>`:
 *
 * ```
 * epoch 3/10  loss 0.2310  accuracy 0.9312  val_loss 0.2101  val_accuracy 0.9375  12.3s
 * ```
 *
 * When the stream is not a TTY (CI logs, a file) nothing but the summary and stop lines is
 * written, without ANSI codes. Epochs are shown 1-based, as Keras does. Values print with 4
 * decimals, or in exponent form below 1e-3 (Keras' rule). Place it last among the callbacks,
 * so it sees the `stop` events the others emit.
 *
 * A pass-through: events, errors and completion go on unchanged. Output problems (a closed
 * stream, a write that throws, an `'error'` event on the stream) are swallowed and end the
 * output, never the training. The bar is cleared on completion, error and unsubscription.
 *
 * ```
 * source:                 -S-b-b-E-S-b-b-E-|     S = epochStart, b = batchEnd, E = epochEnd
 * progress({ epochs: 2 }): -S-b-b-E-S-b-b-E-|    the same events; output is a side effect
 * ```
 *
 * @example
 * ```ts
 * import { progress, earlyStopping } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, epochs: 10, metrics: ['accuracy'],
 *   callbacks: [earlyStopping({ patience: 2 }), progress({ epochs: 10 })] }).subscribe();
 * ```
 */
export function progress(opts: ProgressOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  checkOptions(opts);
  return (source) =>
    defer(() => {
      const view = new ProgressView(opts.stream ?? process.stdout, opts);
      return source.pipe(
        tap({
          next: (event) => view.guard(() => view.show(event)),
          finalize: () => view.guard(() => view.close()),
        }),
      );
    });
}

function checkOptions(opts: ProgressOptions): void {
  const stream = opts.stream;
  if (stream !== undefined && (typeof stream !== 'object' || stream === null || typeof stream.write !== 'function')) {
    throw new ArgumentError('progress: stream must be a writable stream (an object with write())');
  }
  for (const name of ['epochs', 'batchesPerEpoch'] as const) {
    const value = opts[name];
    if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
      throw new ArgumentError(`progress: ${name} must be an integer >= 1, found ${String(value)}`);
    }
  }
  if (opts.metrics !== undefined && (!Array.isArray(opts.metrics) || opts.metrics.some((m) => typeof m !== 'string'))) {
    throw new ArgumentError('progress: metrics must be an array of log keys');
  }
}

/** Formats a log value as Keras does: 4 decimals, or exponent form when smaller than 1e-3. */
function formatLogValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0 || Math.abs(value) > 1e-3) return value.toFixed(4);
  return value.toExponential(4);
}

/** `42s`, `3m07s`, `2h05m`. */
function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The state of one subscription: the current epoch's counters and the bar, if drawn. */
class ProgressView {
  private readonly out: SafeOutput;
  private readonly tty: boolean;
  private readonly epochs: number | undefined;
  private readonly shown: ((key: string) => boolean) | undefined;
  private batchesPerEpoch: number | undefined;
  private bar: cliProgress.SingleBar | undefined;
  private epoch = -1;
  private startTime = 0;
  private batchesDone = 0;
  private batchesSeen = 0;
  private samples = 0;
  private sums = new Map<string, number>();

  constructor(stream: ProgressStream, opts: ProgressOptions) {
    this.out = new SafeOutput(stream);
    this.tty = stream.isTTY === true;
    this.epochs = opts.epochs;
    this.batchesPerEpoch = opts.batchesPerEpoch;
    const metrics = opts.metrics;
    if (metrics !== undefined) {
      this.shown = (key) => key === 'loss' || key === 'val_loss' || metrics.some((m) => key === m || key === `val_${m}`);
    }
  }

  /** Runs `action`, swallowing whatever it throws: output must never stop training. */
  guard(action: () => void): void {
    try {
      action();
    } catch {
      // A broken terminal or stream: keep training, drop the output.
    }
  }

  show(event: TrainEvent): void {
    if (event.epoch !== this.epoch) this.begin(event.epoch);
    if (event.type === 'batchEnd') this.batchEnd(event);
    else if (event.type === 'epochEnd') this.epochEnd(event);
    else if (event.type === 'stop') this.line(`stopped: ${event.reason}`);
  }

  close(): void {
    this.stopBar();
    this.out.close();
  }

  private begin(epoch: number): void {
    this.stopBar();
    this.epoch = epoch;
    this.startTime = asyncScheduler.now();
    this.batchesDone = 0;
    this.batchesSeen = 0;
    this.samples = 0;
    this.sums = new Map();
  }

  private batchEnd(event: BatchEndEvent): void {
    this.batchesDone = event.batch + 1;
    this.batchesSeen += 1;
    this.samples += event.size;
    for (const [key, value] of Object.entries({ loss: event.loss, ...event.logs })) {
      this.sums.set(key, (this.sums.get(key) ?? 0) + value * event.size);
    }
    if (this.batchesPerEpoch !== undefined && this.batchesDone > this.batchesPerEpoch) {
      this.batchesPerEpoch = this.batchesDone;
    }
    if (!this.tty) return;
    if (this.bar === undefined) {
      this.bar = new cliProgress.SingleBar({
        stream: this.out.asTerminal(),
        format: (options) => this.barLine(options),
        barsize: 20,
        clearOnComplete: true,
        hideCursor: false,
        linewrap: true,
        gracefulExit: false,
      });
      this.bar.start(this.batchesPerEpoch ?? 0, this.batchesDone);
    } else {
      this.bar.setTotal(this.batchesPerEpoch ?? 0);
      this.bar.update(this.batchesDone);
    }
  }

  private epochEnd(event: EpochEndEvent): void {
    if (this.batchesSeen > 0) this.batchesPerEpoch = this.batchesDone;
    const seconds = (asyncScheduler.now() - this.startTime) / 1000;
    const parts = [this.epochLabel(), this.logsText(event.logs), `${seconds.toFixed(1)}s`];
    this.line(parts.filter((part) => part !== '').join('  '));
  }

  private barLine(options: cliProgress.Options): string {
    const parts = [this.epochLabel()];
    const total = this.batchesPerEpoch;
    if (total === undefined) parts.push(`${this.batchesDone}/?`);
    else parts.push(`[${cliProgress.Format.BarFormat(Math.min(1, this.batchesDone / total), options)}] ${this.batchesDone}/${total}`);
    const seconds = (asyncScheduler.now() - this.startTime) / 1000;
    if (seconds > 0) {
      const rate = this.samples / seconds;
      parts.push(`${rate >= 100 ? rate.toFixed(0) : rate.toFixed(1)} samples/s`);
      if (total !== undefined && this.batchesSeen > 0) {
        parts.push(`ETA ${formatDuration((Math.max(0, total - this.batchesDone) * seconds) / this.batchesSeen)}`);
      }
    }
    const means: Logs = {};
    for (const [key, sum] of this.sums) means[key] = sum / this.samples;
    const logs = this.logsText(means);
    if (logs !== '') parts.push(logs);
    return parts.join('  ');
  }

  private epochLabel(): string {
    const k = this.epoch + 1;
    return this.epochs === undefined ? `epoch ${k}` : `epoch ${k}/${this.epochs}`;
  }

  private logsText(logs: Logs): string {
    const shown = Object.entries(logs).filter(([key]) => this.shown === undefined || this.shown(key));
    return shown.map(([key, value]) => `${key} ${formatLogValue(value)}`).join('  ');
  }

  /** Writes a whole line, clearing the bar first. */
  private line(text: string): void {
    this.stopBar();
    this.out.write(`${text}\n`);
  }

  private stopBar(): void {
    const bar = this.bar;
    this.bar = undefined;
    bar?.stop();
  }
}

/**
 * Writes to a stream without ever throwing. A stream reports a failed write with an
 * `'error'` event, which would crash the process if nobody listened: this listens while
 * the subscription lives and until its last write has settled, and stops writing after the
 * first failure.
 */
class SafeOutput {
  private failed = false;
  private closed = false;
  private pending = 0;
  private readonly onError = (): void => {
    this.failed = true;
  };

  constructor(private readonly stream: ProgressStream) {
    stream.on('error', this.onError);
  }

  write(text: string): void {
    const stream = this.stream as ProgressStream & { destroyed?: boolean; writableEnded?: boolean };
    if (this.failed || stream.destroyed === true || stream.writableEnded === true) return;
    this.pending += 1;
    try {
      stream.write(text, () => {
        this.pending -= 1;
        this.release();
      });
    } catch {
      this.failed = true;
      this.pending -= 1;
    }
  }

  /** What `cli-progress` writes to: a TTY-like stream whose writes go through `write`. */
  asTerminal(): NodeJS.WritableStream {
    const stream = this.stream;
    const terminal = {
      isTTY: true,
      get columns(): number | undefined {
        return stream.columns;
      },
      write: (text: string): boolean => {
        this.write(text);
        return true;
      },
    };
    return terminal as unknown as NodeJS.WritableStream;
  }

  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    if (!this.closed || this.pending > 0) return;
    // A failed write's 'error' event follows its callback by a tick: keep listening until then.
    setImmediate(() => this.stream.removeListener('error', this.onError));
  }
}
