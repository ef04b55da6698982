import { type FileHandle, open } from 'node:fs/promises';
import { type MonoTypeOperatorFunction, concatMap, defer, finalize, from, ignoreElements, merge, of } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { TrainEvent } from '../streams/index.js';

/** Options of `jsonlLogger`. */
export interface JsonlLoggerOptions {
  /** The event types written, one line each. @default ['epochEnd'] */
  readonly events?: readonly TrainEvent['type'][];
  /** Add to an existing file (a resumed run) instead of starting it afresh. @default false */
  readonly append?: boolean;
  /** `fsync` after each line, so it survives a power loss, not only a crash of the process. @default false */
  readonly fsync?: boolean;
}

const EVENT_TYPES: readonly TrainEvent['type'][] = ['epochStart', 'batchEnd', 'epochEnd', 'checkpoint', 'stop'];

/**
 * Writes the training events of the chosen types to a JSON Lines file, one object per line:
 * `type`, `epoch`, `step`, then the event's other fields (`logs`, `batch`, `loss`, `size`,
 * `lr`, `path`, `reason`), without its `context`. Epochs are 0-based, as in the events.
 * JSON has no NaN or Infinity: such values are written as `null`.
 *
 * The file is opened (created, or truncated unless `append`) when the stream is subscribed,
 * so a bad path fails at once, before the first epoch. Each selected event is passed on only
 * after its line has been written to the file (`concatMap`): whoever sees the event can read
 * the line. A line is handed to the operating system before the event goes on, so it
 * survives a crash of the process; with `fsync` it also survives a crash of the machine.
 * Other events pass on at once, in order. An error opening or writing the file errors the
 * stream with a message naming the path, which ends training.
 *
 * ```
 * source:                  -S-b-b-E-S-b-b-E-|   E = epochEnd
 * jsonlLogger('run.jsonl'): -S-b-b-E-S-b-b-E-|   the same events; each E after its line is written
 * ```
 *
 * @example
 * ```ts
 * import { jsonlLogger } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, epochs: 10,
 *   callbacks: [jsonlLogger('logs/run.jsonl', { events: ['epochEnd', 'stop'] })] }).subscribe();
 * // {"type":"epochEnd","epoch":0,"step":938,"logs":{"loss":0.3121,"accuracy":0.9102}}
 * ```
 */
export function jsonlLogger(path: string, opts: JsonlLoggerOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  checkPath('jsonlLogger', path);
  const types = opts.events ?? ['epochEnd'];
  if (!Array.isArray(types) || types.length === 0 || types.some((t) => !EVENT_TYPES.includes(t))) {
    throw new ArgumentError(
      `jsonlLogger: events must be a non-empty array of ${EVENT_TYPES.join(', ')}, found ${JSON.stringify(types)}`,
    );
  }
  return lineLogger({
    op: 'jsonlLogger',
    path,
    append: checkFlag('jsonlLogger', 'append', opts.append),
    fsync: checkFlag('jsonlLogger', 'fsync', opts.fsync),
    selects: (event) => types.includes(event.type),
    start: () => undefined,
    format: (event) => `${JSON.stringify(serializable(event))}\n`,
  });
}

/** The event as a plain object: `type`, `epoch`, `step` first, `context` left out. */
function serializable(event: TrainEvent): Record<string, unknown> {
  const { type, epoch, step, context: _context, ...rest } = event;
  return { type, epoch, step, ...rest };
}

/**
 * How a logger that writes lines to a file is made (`jsonlLogger`, `csvLogger`).
 * @internal
 */
export interface LineLoggerSpec<S> {
  /** The callback's name, for messages. */
  readonly op: string;
  readonly path: string;
  readonly append: boolean;
  readonly fsync: boolean;
  /** Whether `event` gets a line; decided at once, so other events are not delayed. */
  selects(event: TrainEvent): boolean;
  /** The logger's state for one subscription, from the start of the file as opened ('' unless appending). */
  start(head: string): S;
  /** The text written for a selected event, ending with a newline. */
  format(event: TrainEvent, state: S): string;
}

/**
 * The operator of a line logger: opens the file on subscription, writes each selected
 * event's text before passing the event on, closes the file when the subscription ends.
 * @internal
 */
export function lineLogger<S>(spec: LineLoggerSpec<S>): MonoTypeOperatorFunction<TrainEvent> {
  return (source) =>
    defer(() => {
      const opened = openLog(spec);
      let wroteAny = false;
      const write = async (event: TrainEvent): Promise<TrainEvent> => {
        const log = await opened;
        // An appended file whose last line is unterminated gets a line break first.
        const text = (log.separate && !wroteAny ? '\n' : '') + spec.format(event, log.state);
        try {
          await log.file.write(text);
          if (spec.fsync) await log.file.sync();
        } catch (error) {
          throw ioError(spec, error);
        }
        wroteAny = true;
        return event;
      };
      // A file that cannot be opened errors the output as soon as that is known.
      const openFailure = from(opened).pipe(ignoreElements());
      const logged = source.pipe(concatMap((event) => (spec.selects(event) ? from(write(event)) : of(event))));
      return merge(openFailure, logged).pipe(
        finalize(() => {
          opened.then((log) => log.file.close()).catch(() => undefined);
        }),
      );
    });
}

interface OpenLog<S> {
  readonly file: FileHandle;
  readonly state: S;
  /** True when appending to a file that does not end with a line break. */
  readonly separate: boolean;
}

/** The longest start of an existing file that is read (for a CSV header). */
const HEAD_BYTES = 65536;

async function openLog<S>(spec: LineLoggerSpec<S>): Promise<OpenLog<S>> {
  let file: FileHandle;
  try {
    file = await open(spec.path, spec.append ? 'a+' : 'w');
  } catch (error) {
    throw ioError(spec, error);
  }
  try {
    let head = '';
    let separate = false;
    const { size } = await file.stat();
    if (spec.append && size > 0) {
      const buffer = Buffer.alloc(Math.min(size, HEAD_BYTES));
      await file.read(buffer, 0, buffer.length, 0);
      head = buffer.toString('utf8');
      const last = Buffer.alloc(1);
      await file.read(last, 0, 1, size - 1);
      separate = last[0] !== 0x0a;
    }
    return { file, state: spec.start(head), separate };
  } catch (error) {
    await file.close().catch(() => undefined);
    throw ioError(spec, error);
  }
}

function ioError(spec: LineLoggerSpec<unknown>, error: unknown): Error {
  const reason = error instanceof Error ? error.message : String(error);
  return new Error(`${spec.op}: cannot write ${spec.path}: ${reason}`, { cause: error });
}

/** @internal */
export function checkPath(op: string, path: unknown): asserts path is string {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(`${op}: path must be a non-empty string, found ${JSON.stringify(path)}`);
  }
}

/** @internal */
export function checkFlag(op: string, name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new ArgumentError(`${op}: ${name} must be a boolean, found ${String(value)}`);
  }
  return value ?? false;
}
