import type { MonoTypeOperatorFunction } from 'rxjs';
import { ArgumentError } from '../ops/index.js';
import type { EpochEndEvent, TrainEvent } from '../streams/index.js';
import { checkFlag, checkPath, lineLogger } from './jsonl-logger.js';

/** Options of `csvLogger`. */
export interface CsvLoggerOptions {
  /** Add rows to an existing file (a resumed run), under its header. @default false */
  readonly append?: boolean;
  /** The field separator: one character, not a quote or a line break. @default ',' */
  readonly separator?: string;
  /** `fsync` after each row, so it survives a power loss, not only a crash of the process. @default false */
  readonly fsync?: boolean;
}

/**
 * Writes one CSV row per `epochEnd`, as Keras' `CSVLogger` does: the column `epoch`
 * (0-based, as in the events and in Keras' file) then the epoch's logs.
 *
 * The header is written once, above the first row: `epoch`, then the first epoch's log keys
 * sorted by name (`epoch,accuracy,loss,val_accuracy,val_loss`), as in Keras. It stays fixed:
 * a key a later epoch adds is not written (a CSV file cannot grow a column without being
 * rewritten), and a key an epoch lacks leaves its cell empty. With `append`, a file that
 * already has a header keeps it, and new rows fill its columns, so a resumed run lines up
 * with the rows before it; an empty or missing file gets a header as usual.
 *
 * Numbers are written in full (shortest round-trip form); NaN and infinities as `nan`, `inf`,
 * `-inf`, as Python writes them. Header cells holding the separator, a quote or a line break
 * are quoted (RFC 4180). Lines end with `\n` (Keras, through Python's `csv`, writes `\r\n`).
 *
 * The file is opened (created, or truncated unless `append`) when the stream is subscribed,
 * so a bad path fails at once. Each `epochEnd` is passed on only after its row has been
 * written to the file (`concatMap`); a row is handed to the operating system before the event
 * goes on, so it survives a crash of the process, and with `fsync` a crash of the machine.
 * Other events pass on at once, in order. An error opening or writing the file errors the
 * stream with a message naming the path, which ends training.
 *
 * ```
 * source:                -S-b-E-S-b-E-|   E = epochEnd
 * csvLogger('log.csv'):  -S-b-E-S-b-E-|   the same events; each E after its row is written
 * ```
 *
 * @example
 * ```ts
 * import { csvLogger } from 'streamgrad/callbacks';
 * fit({ model, loss, optimizer, train, validation, epochs: 10, metrics: ['accuracy'],
 *   callbacks: [csvLogger('logs/training.csv')] }).subscribe();
 * // epoch,accuracy,loss,val_accuracy,val_loss
 * // 0,0.9102,0.3121,0.9375,0.2101
 * ```
 */
export function csvLogger(path: string, opts: CsvLoggerOptions = {}): MonoTypeOperatorFunction<TrainEvent> {
  checkPath('csvLogger', path);
  const separator = opts.separator ?? ',';
  if (typeof separator !== 'string' || separator.length !== 1 || /["\r\n]/.test(separator)) {
    throw new ArgumentError(
      `csvLogger: separator must be one character other than a quote or a line break, found ${JSON.stringify(separator)}`,
    );
  }
  return lineLogger<{ columns: string[] | undefined }>({
    op: 'csvLogger',
    path,
    append: checkFlag('csvLogger', 'append', opts.append),
    fsync: checkFlag('csvLogger', 'fsync', opts.fsync),
    selects: (event) => event.type === 'epochEnd',
    start: (head) => {
      const header = head.split('\n')[0].replace(/\r$/, '');
      return { columns: header === '' ? undefined : splitRow(header, separator) };
    },
    format: (event, state) => {
      const { epoch, logs } = event as EpochEndEvent;
      let header = '';
      if (state.columns === undefined) {
        state.columns = ['epoch', ...Object.keys(logs).sort()];
        header = `${state.columns.map((name) => quote(name, separator)).join(separator)}\n`;
      }
      const cells = state.columns.map((name) => {
        if (name === 'epoch') return String(epoch);
        return Object.hasOwn(logs, name) ? formatNumber(logs[name]) : '';
      });
      return `${header}${cells.join(separator)}\n`;
    },
  });
}

/** A number as Python's `csv` writes a float: `nan`, `inf`, `-inf`, or in full. */
function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Infinity) return 'inf';
  if (value === -Infinity) return '-inf';
  return String(value);
}

function quote(cell: string, separator: string): string {
  if (!cell.includes(separator) && !/["\r\n]/.test(cell)) return cell;
  return `"${cell.replaceAll('"', '""')}"`;
}

/** Splits a header line written by `quote` (or any RFC 4180 line) into its cells. */
function splitRow(line: string, separator: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      cell += '"';
      i++;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === separator && !quoted) {
      cells.push(cell);
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell);
  return cells;
}
