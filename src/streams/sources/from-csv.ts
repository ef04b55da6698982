import type { Observable } from 'rxjs';
import { ArgumentError, Tensor } from '../../ops/index.js';
import type { Sample } from '../types.js';
import { parseCsvLine, readLines } from './csv-line.js';
import { fromAsyncPull } from './pull.js';

/** Options for `fromCsv`. */
export interface FromCsvOptions {
  /** The label column: a name from the header, or a 0-based index. */
  label: string | number;
  /** The feature columns, in the order `x` holds them: names or 0-based indices. @default every column but the label */
  columns?: readonly (string | number)[];
  /** Whether the first non-blank line names the columns. @default true */
  header?: boolean;
  /** One character between fields. @default ',' */
  delimiter?: string;
  /**
   * How the label becomes `y`: `'index'` a scalar class index (an integer `>= 0`, below
   * `numClasses` when given), `'onehot'` a `[numClasses]` one-hot vector, `'value'` the
   * number itself as a scalar (regression). @default 'index'
   */
  labelEncoding?: 'index' | 'onehot' | 'value';
  /** Number of classes; required for `'onehot'`, a range check for `'index'`. */
  numClasses?: number;
  /**
   * A malformed row: `'throw'` errors the Observable with a `CsvError`; `'skip'` leaves it
   * out and reports it through `onSkip` and the `onComplete` summary (one of them is required).
   * Problems with the file itself (missing, unreadable, unknown column) always throw. @default 'throw'
   */
  onError?: 'throw' | 'skip';
  /** Called with each skipped row's error, as it is skipped (`onError: 'skip'`). */
  onSkip?: (error: CsvError) => void;
  /**
   * Called once per subscription when the file has been read to its end, just before the
   * Observable completes; not called after an error or an early unsubscribe.
   */
  onComplete?: (summary: CsvSummary) => void;
}

/** What one pass over a CSV file found. */
export interface CsvSummary {
  readonly file: string;
  /** Physical lines read, header and blank lines included. */
  readonly lines: number;
  /** Samples emitted. */
  readonly rows: number;
  /** Malformed rows left out (`onError: 'skip'`). */
  readonly skipped: number;
  /** The errors of the first skipped rows (at most 10, so the summary stays small). */
  readonly firstErrors: readonly CsvError[];
}

/** A malformed CSV file or row: the message and the fields say where (file, 1-based line, column) and what. */
export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
    /** 0-based index of the column at fault, if one is. */
    readonly column?: number,
    /** Its header name, with `header: true`. */
    readonly columnName?: string,
  ) {
    super(`fromCsv: ${file} line ${line}${where(column, columnName)}: ${reason}`);
  }
}

const KNOWN_OPTIONS = ['label', 'columns', 'header', 'delimiter', 'labelEncoding', 'numClasses', 'onError', 'onSkip', 'onComplete'];
const REPORTED_ERRORS = 10;
const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

type Config = Required<Pick<FromCsvOptions, 'label' | 'header' | 'delimiter' | 'labelEncoding' | 'onError'>> &
  Pick<FromCsvOptions, 'columns' | 'numClasses' | 'onSkip' | 'onComplete'>;

/** Which fields of a row become what; fixed by the header (or the first row). */
interface Layout {
  readonly fieldCount: number;
  readonly countSource: string;
  readonly features: readonly number[];
  readonly label: number;
  readonly names: readonly string[] | undefined;
}

/**
 * A dataset from a CSV file of numbers, read line by line as the consumer asks for samples
 * (see `Demand`), so a file larger than memory trains in bounded memory: one 64 KiB chunk
 * and one line at a time. Each row becomes `{ x: [features], y }`; `y` is a scalar class
 * index, a one-hot vector or a scalar value (`labelEncoding`). Each subscription opens the
 * file again (one epoch); unsubscribing closes it.
 *
 * Handles a UTF-8 byte-order mark, CRLF or LF line endings, blank lines (skipped, but
 * counted in line numbers) and RFC 4180 quoted fields (`"a ""quoted"" name"`), except that a
 * quoted field cannot span lines. Numbers are decimal (`-1.5e3`); an empty field, `NaN` or
 * `Infinity` is malformed. Without a header, the first row fixes the number of fields.
 *
 * Every error names the file, the 1-based line and the column (name and 0-based index):
 * `fromCsv: iris.csv line 7, column "petal_width" (index 3): expected a number, found "n/a"`.
 * With `onError: 'skip'` malformed rows are left out but never silently: each is passed to
 * `onSkip`, and `onComplete` receives the count.
 *
 * ```
 * iris.csv: header, then rows r1 r2 r3
 * fromCsv('iris.csv', { label: 'species' }):     -a-b-c|
 * r2 malformed:                                   -a-#          # = CsvError (line 3)
 * r2 malformed, onError: 'skip':                  -a---c|       onSkip(error), onComplete({ skipped: 1, ... })
 * take(1):                                        -(a|)         the file is closed
 * ```
 *
 * @example
 * ```ts
 * import { fromCsv, shuffle, batch } from 'streamgrad/streams';
 * const train = fromCsv('data/iris.csv', {
 *   columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
 *   label: 'species',
 *   labelEncoding: 'onehot',
 *   numClasses: 3,
 *   onError: 'skip',
 *   onComplete: ({ skipped, lines }) => console.log(`skipped ${skipped} of ${lines} lines`),
 * }).pipe(shuffle({ bufferSize: 150, seed: 1 }), batch(16));
 * ```
 *
 * @param path - the file.
 * @param options - see `FromCsvOptions`; validated here, before any file is opened.
 * @returns a cold Observable of samples.
 * @throws ArgumentError for an invalid option; the Observable errors with a `CsvError` for
 *   a malformed file or row, or with the I/O error (`fromCsv: cannot read …`).
 */
export function fromCsv(path: string, options: FromCsvOptions): Observable<Sample> {
  if (typeof path !== 'string' || path === '') {
    throw new ArgumentError(`fromCsv: path must be a non-empty string, found ${JSON.stringify(path) ?? String(path)}`);
  }
  const config = readOptions(options);
  return fromAsyncPull(() => readSamples(path, config));
}

async function* readSamples(file: string, config: Config): AsyncGenerator<Sample> {
  let lines = 0;
  let rows = 0;
  let skipped = 0;
  const firstErrors: CsvError[] = [];
  let layout: Layout | undefined;
  for await (const text of readLines(file)) {
    lines++;
    if (text.trim() === '') continue;
    let sample: Sample | CsvError;
    if (layout === undefined) {
      // The header, or without one the first row, fixes the layout; a header that cannot be
      // parsed is fatal, a first row that cannot be parsed is a malformed row like any other.
      const first = parseCsvLine(text, config.delimiter);
      if (first.ok) layout = resolveLayout(file, lines, first.fields, config);
      else if (config.header) throw new CsvError(file, lines, `${first.reason}, in ${quote(text)}`, first.column);
      if (config.header) continue;
    }
    if (layout === undefined) sample = lineError(file, lines, text, config.delimiter);
    else sample = parseRow(file, lines, text, layout, config);
    if (sample instanceof CsvError) {
      if (config.onError === 'throw') throw sample;
      skipped++;
      if (firstErrors.length < REPORTED_ERRORS) firstErrors.push(sample);
      config.onSkip?.(sample);
      continue;
    }
    rows++;
    yield sample;
  }
  if (layout === undefined && config.header) throw new CsvError(file, lines + 1, 'expected a header line, found the end of the file');
  config.onComplete?.({ file, lines, rows, skipped, firstErrors });
}

function resolveLayout(file: string, line: number, fields: string[], config: Config): Layout {
  const names = config.header ? fields.map((f) => f.trim()) : undefined;
  const countSource = config.header ? 'the header' : `line ${line}, the first row`;
  const find = (ref: string | number, role: string): number => {
    if (typeof ref === 'number') {
      if (ref >= fields.length) {
        throw new CsvError(file, line, `${role} column index ${ref} is out of range: ${countSource} has ${fields.length} fields`);
      }
      return ref;
    }
    const at = (names as string[]).indexOf(ref);
    if (at === -1) {
      throw new CsvError(file, line, `${role} column ${quote(ref)} is not in the header (${(names as string[]).map(quote).join(', ')})`);
    }
    if ((names as string[]).indexOf(ref, at + 1) !== -1) {
      throw new CsvError(file, line, `${role} column ${quote(ref)} appears more than once in the header`);
    }
    return at;
  };
  const label = find(config.label, 'label');
  const features = config.columns?.map((c) => find(c, 'feature')) ?? fields.map((_, i) => i).filter((i) => i !== label);
  if (features.length === 0) throw new CsvError(file, line, `no feature columns: ${countSource} has only the label column`);
  return { fieldCount: fields.length, countSource, features, label, names };
}

/** The error of a line that `parseCsvLine` rejects. */
function lineError(file: string, line: number, text: string, delimiter: string, names?: readonly string[]): CsvError {
  const parsed = parseCsvLine(text, delimiter);
  const column = parsed.ok ? undefined : parsed.column;
  const reason = parsed.ok ? 'unparseable line' : parsed.reason;
  return new CsvError(file, line, `${reason}, in ${quote(text)}`, column, column === undefined ? undefined : names?.[column]);
}

function parseRow(file: string, line: number, text: string, layout: Layout, config: Config): Sample | CsvError {
  const parsed = parseCsvLine(text, config.delimiter);
  if (!parsed.ok) return lineError(file, line, text, config.delimiter, layout.names);
  const fields = parsed.fields;
  if (fields.length !== layout.fieldCount) {
    return new CsvError(file, line, `expected ${layout.fieldCount} fields (as ${layout.countSource}), found ${fields.length} in ${quote(text)}`);
  }
  const fail = (column: number, reason: string) => new CsvError(file, line, reason, column, layout.names?.[column]);
  const x = new Float32Array(layout.features.length);
  for (let i = 0; i < layout.features.length; i++) {
    const column = layout.features[i];
    const value = parseNumber(fields[column]);
    if (value === undefined) return fail(column, `expected a number, found ${quote(fields[column])}`);
    x[i] = value;
  }
  const labelText = fields[layout.label];
  const value = parseNumber(labelText);
  if (value === undefined) return fail(layout.label, `expected a numeric label, found ${quote(labelText)}`);
  if (config.labelEncoding === 'value') return { x: new Tensor(x, [x.length]), y: new Tensor(Float32Array.of(value), []) };
  if (!Number.isInteger(value) || value < 0) {
    return fail(layout.label, `expected a class index (an integer >= 0), found ${quote(labelText)}`);
  }
  const classes = config.numClasses;
  if (classes !== undefined && value >= classes) {
    return fail(layout.label, `class index ${value} is out of range for numClasses ${classes} (0 to ${classes - 1}), found ${quote(labelText)}`);
  }
  if (config.labelEncoding === 'index') return { x: new Tensor(x, [x.length]), y: new Tensor(Float32Array.of(value), []) };
  const oneHot = new Float32Array(classes as number);
  oneHot[value] = 1;
  return { x: new Tensor(x, [x.length]), y: new Tensor(oneHot, [oneHot.length]) };
}

/** A finite decimal number (surrounding spaces allowed), or `undefined`. */
function parseNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

function readOptions(options: FromCsvOptions): Config {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new ArgumentError(`fromCsv: options must be an object with at least a label, found ${String(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.includes(key)) {
      throw new ArgumentError(`fromCsv: unknown option '${key}' (expected one of ${KNOWN_OPTIONS.join(', ')})`);
    }
  }
  const { label, columns, header = true, delimiter = ',', labelEncoding = 'index', numClasses, onError = 'throw', onSkip, onComplete } = options;
  checkColumnRef('label', label, header);
  if (columns !== undefined) {
    if (!Array.isArray(columns) || columns.length === 0) {
      throw new ArgumentError(`fromCsv: columns must be a non-empty array of names or indices, found ${JSON.stringify(columns)}`);
    }
    columns.forEach((c, i) => checkColumnRef(`columns[${i}]`, c, header));
    const repeated = columns.find((c, i) => columns.indexOf(c) !== i);
    if (repeated !== undefined) throw new ArgumentError(`fromCsv: columns lists ${JSON.stringify(repeated)} twice`);
  }
  if (typeof header !== 'boolean') throw new ArgumentError(`fromCsv: header must be true or false, found ${String(header)}`);
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter)) {
    throw new ArgumentError(`fromCsv: delimiter must be one character other than a quote or a line break, found ${JSON.stringify(delimiter)}`);
  }
  if (!['index', 'onehot', 'value'].includes(labelEncoding)) {
    throw new ArgumentError(`fromCsv: labelEncoding must be 'index', 'onehot' or 'value', found ${String(labelEncoding)}`);
  }
  if (numClasses !== undefined && (typeof numClasses !== 'number' || !Number.isInteger(numClasses) || numClasses < 1)) {
    throw new ArgumentError(`fromCsv: numClasses must be an integer >= 1, found ${String(numClasses)}`);
  }
  if (labelEncoding === 'onehot' && numClasses === undefined) {
    throw new ArgumentError(`fromCsv: labelEncoding 'onehot' needs numClasses`);
  }
  if (labelEncoding === 'value' && numClasses !== undefined) {
    throw new ArgumentError(`fromCsv: numClasses ${numClasses} has no meaning with labelEncoding 'value'`);
  }
  if (onError !== 'throw' && onError !== 'skip') {
    throw new ArgumentError(`fromCsv: onError must be 'throw' or 'skip', found ${String(onError)}`);
  }
  for (const [name, fn] of [['onSkip', onSkip], ['onComplete', onComplete]] as const) {
    if (fn !== undefined && typeof fn !== 'function') throw new ArgumentError(`fromCsv: ${name} must be a function, found ${typeof fn}`);
  }
  if (onError === 'skip' && onSkip === undefined && onComplete === undefined) {
    throw new ArgumentError(`fromCsv: onError 'skip' needs an onSkip or onComplete callback, so that skipped rows are reported`);
  }
  return { label, columns, header, delimiter, labelEncoding, numClasses, onError, onSkip, onComplete };
}

function checkColumnRef(name: string, ref: unknown, header: boolean): void {
  if (typeof ref === 'number' && Number.isInteger(ref) && ref >= 0) return;
  if (typeof ref === 'string' && ref !== '') {
    if (header) return;
    throw new ArgumentError(`fromCsv: ${name} names column ${quote(ref)}, but with header: false columns are 0-based indices`);
  }
  throw new ArgumentError(`fromCsv: ${name} must be a column name or a 0-based index, found ${JSON.stringify(ref) ?? String(ref)}`);
}

function where(column: number | undefined, name: string | undefined): string {
  if (column === undefined) return '';
  return name === undefined ? `, column index ${column}` : `, column ${quote(name)} (index ${column})`;
}

/** `text` in double quotes, cut to 80 characters so a huge line does not flood the message. */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}
