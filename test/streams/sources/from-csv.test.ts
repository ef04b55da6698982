import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Observable, lastValueFrom, take, toArray } from 'rxjs';
import { ArgumentError } from '../../../src/ops/index.js';
import { CsvError, type CsvSummary, type FromCsvOptions, fromCsv } from '../../../src/streams/sources/from-csv.js';
import { paced } from '../../../src/streams/consume.js';
import type { Sample } from '../../../src/streams/types.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(realpathSync(tmpdir()), 'streamgrad-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCount = 0;
/** Writes `content` to a fresh temp file and returns its path. */
function csv(content: string | Buffer): string {
  const path = join(dir, `data-${fileCount++}.csv`);
  writeFileSync(path, content);
  return path;
}

async function rows(source: Observable<Sample>) {
  const samples = await lastValueFrom(source.pipe(toArray()));
  return samples.map((s) => ({ x: s.x.toArray(), y: s.y.toArray() }));
}

/** The error the source fails with (or a failure if it completes). */
async function failure(source: Observable<Sample>): Promise<Error> {
  try {
    await lastValueFrom(source.pipe(toArray()));
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the source to fail, but it completed');
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

const IRIS_LIKE = 'sepal_length,sepal_width,species\n5.5,3.25,0\n4.75,3,1\n6.25,2.5,2\n';

describe('fromCsv: worked examples', () => {
  test('header, label by name: the other columns are the features, labels are scalar class indices', async () => {
    const samples = await rows(fromCsv(csv(IRIS_LIKE), { label: 'species' }));
    expect(samples).toEqual([
      { x: [5.5, 3.25], y: 0 },
      { x: [4.75, 3], y: 1 },
      { x: [6.25, 2.5], y: 2 },
    ]);
  });

  test('columns choose and order the features by name', async () => {
    const samples = await rows(fromCsv(csv(IRIS_LIKE), { columns: ['sepal_width', 'sepal_length'], label: 'species' }));
    expect(samples[0]).toEqual({ x: [3.25, 5.5], y: 0 });
  });

  test('without a header, columns and label are 0-based indices', async () => {
    const samples = await rows(fromCsv(csv('1,0,10\n2,1,20\n'), { header: false, columns: [2, 0], label: 1 }));
    expect(samples).toEqual([
      { x: [10, 1], y: 0 },
      { x: [20, 2], y: 1 },
    ]);
  });

  test("labelEncoding 'onehot' gives [numClasses] labels", async () => {
    const samples = await rows(fromCsv(csv(IRIS_LIKE), { label: 'species', labelEncoding: 'onehot', numClasses: 3 }));
    expect(samples.map((s) => s.y)).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  });

  test("labelEncoding 'value' keeps any number as a scalar target (regression)", async () => {
    const samples = await rows(fromCsv(csv('a,price\n1,-2.5\n2,1e3\n'), { label: 'price', labelEncoding: 'value' }));
    expect(samples).toEqual([
      { x: [1], y: -2.5 },
      { x: [2], y: 1000 },
    ]);
  });

  test('another delimiter (semicolon, tab)', async () => {
    expect(await rows(fromCsv(csv('a;b;y\n1;2;0\n'), { label: 'y', delimiter: ';' }))).toEqual([{ x: [1, 2], y: 0 }]);
    expect(await rows(fromCsv(csv('a\tb\ty\n1\t2\t0\n'), { label: 'y', delimiter: '\t' }))).toEqual([{ x: [1, 2], y: 0 }]);
  });

  test('RFC 4180 quoted fields: quoted names with delimiters and doubled quotes, quoted numbers', async () => {
    const path = csv('"width, cm","the ""height""",y\n"1.5",2,"1"\n');
    expect(await rows(fromCsv(path, { columns: ['the "height"', 'width, cm'], label: 'y' }))).toEqual([{ x: [2, 1.5], y: 1 }]);
  });

  test('numbers may carry spaces, a sign, a leading dot or an exponent', async () => {
    expect(await rows(fromCsv(csv('a,b,c,d,y\n 1 ,-2,.5,2.5E-1,0\n'), { label: 'y' }))).toEqual([{ x: [1, -2, 0.5, 0.25], y: 0 }]);
  });

  test('a BOM, CRLF line endings and a trailing empty line read the same as plain LF', async () => {
    const plain = await rows(fromCsv(csv(IRIS_LIKE), { label: 'species' }));
    const windows = csv(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(IRIS_LIKE.replace(/\n/g, '\r\n') + '\r\n')]));
    expect(await rows(fromCsv(windows, { label: 'species' }))).toEqual(plain);
    const noFinalNewline = csv(IRIS_LIKE.trimEnd());
    expect(await rows(fromCsv(noFinalNewline, { label: 'species' }))).toEqual(plain);
  });

  test('blank lines are skipped but still counted in line numbers', async () => {
    const path = csv('a,y\n\n1,0\n  \nx,1\n');
    expect((await failure(fromCsv(path, { label: 'y' }))).message).toBe(
      `fromCsv: ${path} line 5, column "a" (index 0): expected a number, found "x"`,
    );
  });

  test('a line split across read chunks, and a multi-byte character split across chunks, are read whole', async () => {
    const names = Array.from({ length: 3000 }, (_, i) => `é${i}`);
    const values = names.map((_, i) => i % 7);
    const path = csv(`${names.join(',')},y\n${values.join(',')},1\n`);
    const [sample] = await rows(fromCsv(path, { label: 'y' }));
    expect(sample.x).toEqual(values);
    const [reordered] = await rows(fromCsv(path, { columns: ['é2999', 'é0'], label: 'y' }));
    expect(reordered.x).toEqual([2999 % 7, 0]);
  });

  test('subscribing again reads the file again: one subscription is one epoch', async () => {
    const source = fromCsv(csv(IRIS_LIKE), { label: 'species' });
    expect(await rows(source)).toEqual(await rows(source));
  });

  test('onComplete receives the summary of a full pass, before the Observable completes', async () => {
    const summaries: CsvSummary[] = [];
    let completedAfterSummary = false;
    const path = csv(IRIS_LIKE);
    await new Promise<void>((resolve, reject) => {
      fromCsv(path, { label: 'species', onComplete: (s) => summaries.push(s) }).subscribe({
        complete: () => {
          completedAfterSummary = summaries.length === 1;
          resolve();
        },
        error: reject,
      });
    });
    expect(completedAfterSummary).toBe(true);
    expect(summaries).toEqual([{ file: path, lines: 4, rows: 3, skipped: 0, firstErrors: [] }]);
  });

  test('a file with only a header completes without samples', async () => {
    expect(await rows(fromCsv(csv('a,y\n'), { label: 'y' }))).toEqual([]);
  });
});

describe('fromCsv: malformed rows name the file, line, column and text', () => {
  const cases: [string, string, FromCsvOptions, string][] = [
    ['too few fields', 'a,b,y\n1,2,0\n1,2\n', { label: 'y' }, 'line 3: expected 3 fields (as the header), found 2 in "1,2"'],
    ['too many fields', 'a,b,y\n1,2,0,9\n', { label: 'y' }, 'line 2: expected 3 fields (as the header), found 4 in "1,2,0,9"'],
    ['fields unlike the first row', '1,0\n1,2,0\n', { header: false, label: 1 }, 'line 2: expected 2 fields (as line 1, the first row), found 3 in "1,2,0"'],
    ['a word as a feature', 'a,b,y\n1,abc,0\n', { label: 'y' }, 'line 2, column "b" (index 1): expected a number, found "abc"'],
    ['an empty feature', 'a,b,y\n1,,0\n', { label: 'y' }, 'line 2, column "b" (index 1): expected a number, found ""'],
    ['NaN', 'a,y\nNaN,0\n', { label: 'y' }, 'line 2, column "a" (index 0): expected a number, found "NaN"'],
    ['Infinity', 'a,y\n1e999,0\n', { label: 'y' }, 'line 2, column "a" (index 0): expected a number, found "1e999"'],
    ['hexadecimal', 'a,y\n0x10,0\n', { label: 'y' }, 'line 2, column "a" (index 0): expected a number, found "0x10"'],
    ['no header: the column by index', '1,x,0\n', { header: false, label: 2 }, 'line 1, column index 1: expected a number, found "x"'],
    ['a class name as label', 'a,y\n1,setosa\n', { label: 'y' }, 'line 2, column "y" (index 1): expected a numeric label, found "setosa"'],
    ['a fractional class index', 'a,y\n1,1.5\n', { label: 'y' }, 'line 2, column "y" (index 1): expected a class index (an integer >= 0), found "1.5"'],
    ['a negative class index', 'a,y\n1,-1\n', { label: 'y' }, 'line 2, column "y" (index 1): expected a class index (an integer >= 0), found "-1"'],
    [
      'a class index out of range',
      'a,y\n1,2\n1,3\n',
      { label: 'y', numClasses: 3 },
      'line 3, column "y" (index 1): class index 3 is out of range for numClasses 3 (0 to 2), found "3"',
    ],
    [
      'a one-hot label out of range',
      'a,y\n1,5\n',
      { label: 'y', labelEncoding: 'onehot', numClasses: 2 },
      'line 2, column "y" (index 1): class index 5 is out of range for numClasses 2 (0 to 1), found "5"',
    ],
    [
      'an unterminated quote',
      'a,b,y\n1,"2,0\n',
      { label: 'y' },
      'line 2, column "b" (index 1): unterminated quoted field (a quoted field cannot span lines), in "1,\\"2,0"',
    ],
    [
      'a quote inside an unquoted field',
      'a,b,y\n1,2"5,0\n',
      { label: 'y' },
      'line 2, column "b" (index 1): a quote inside an unquoted field: "2\\"5" (quote the whole field), in "1,2\\"5,0"',
    ],
    [
      'text after a closing quote',
      'a,b,y\n1,"2"x,0\n',
      { label: 'y' },
      'line 2, column "b" (index 1): unexpected text after the closing quote: "x,0", in "1,\\"2\\"x,0"',
    ],
  ];

  test.each(cases)('%s', async (_, content, options, where) => {
    const path = csv(content);
    const error = await failure(fromCsv(path, options));
    expect(error).toBeInstanceOf(CsvError);
    expect(error.message).toBe(`fromCsv: ${path} ${where}`);
  });

  test('the error carries the file, line, column index and name as fields', async () => {
    const path = csv('a,b,y\n1,2,0\n1,oops,0\n');
    const error = (await failure(fromCsv(path, { label: 'y' }))) as CsvError;
    expect({ file: error.file, line: error.line, column: error.column, columnName: error.columnName }).toEqual({
      file: path,
      line: 3,
      column: 1,
      columnName: 'b',
    });
  });

  test('samples before the malformed row are emitted first', async () => {
    const seen: unknown[] = [];
    const path = csv('a,y\n1,0\n2,1\nbad,0\n4,1\n');
    await new Promise<void>((resolve) => {
      fromCsv(path, { label: 'y' }).subscribe({ next: (s) => seen.push(s.x.toArray()), error: () => resolve() });
    });
    expect(seen).toEqual([[1], [2]]);
  });

  test('a very long offending line is cut in the message', async () => {
    const long = `${'1,'.repeat(100)}0`;
    const path = csv(`a,y\n${long}\n`);
    const message = (await failure(fromCsv(path, { label: 'y' }))).message;
    expect(message).toBe(`fromCsv: ${path} line 2: expected 2 fields (as the header), found 101 in ${JSON.stringify(`${long.slice(0, 80)}…`)}`);
  });
});

describe('fromCsv: problems with the file itself always fail', () => {
  const cases: [string, string, FromCsvOptions, string][] = [
    ['a label not in the header', 'a,b\n1,2\n', { label: 'y' }, 'line 1: label column "y" is not in the header ("a", "b")'],
    ['a feature not in the header', 'a,y\n1,2\n', { columns: ['a', 'c'], label: 'y' }, 'line 1: feature column "c" is not in the header ("a", "y")'],
    ['a duplicated header name', 'a,a,y\n1,2,0\n', { columns: ['a'], label: 'y' }, 'line 1: feature column "a" appears more than once in the header'],
    ['an index beyond the header', 'a,y\n1,0\n', { columns: [0, 5], label: 1 }, 'line 1: feature column index 5 is out of range: the header has 2 fields'],
    ['an index beyond the first row', '\n1,0\n', { header: false, label: 2 }, 'line 2: label column index 2 is out of range: line 2, the first row has 2 fields'],
    ['only the label column', 'y\n1\n', { label: 'y' }, 'line 1: no feature columns: the header has only the label column'],
    ['an empty file', '', { label: 'y' }, 'line 1: expected a header line, found the end of the file'],
    ['an unparseable header', 'a,"b\n1,2\n', { label: 'a' }, 'line 1, column index 1: unterminated quoted field (a quoted field cannot span lines), in "a,\\"b"'],
  ];

  test.each(cases)('%s', async (_, content, options, where) => {
    const path = csv(content);
    for (const onError of ['throw', 'skip'] as const) {
      const error = await failure(fromCsv(path, { ...options, onError, onComplete: () => undefined }));
      expect(error).toBeInstanceOf(CsvError);
      expect(error.message).toBe(`fromCsv: ${path} ${where}`);
    }
  });

  test('a missing file is an error naming the file, with the system error as its cause', async () => {
    const path = join(dir, 'missing.csv');
    const error = await failure(fromCsv(path, { label: 'y' }));
    expect(error.message).toBe(`fromCsv: cannot read ${path}: ENOENT: no such file or directory, open '${path}'`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  test('a directory is an error naming it', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    expect((await failure(fromCsv(path, { label: 'y' }))).message).toMatch(`fromCsv: cannot read ${path}: EISDIR`);
  });

  test('without a header, an empty file is an empty dataset', async () => {
    expect(await rows(fromCsv(csv(''), { header: false, label: 0 }))).toEqual([]);
  });
});

describe("fromCsv: onError 'skip' leaves malformed rows out and reports every one", () => {
  test('good rows are emitted; each skipped row goes to onSkip; onComplete counts them', async () => {
    const path = csv('a,b,y\n1,1,0\n2,x,1\n3,3,0\n\n4,4\n5,5,9\n6,6,1\n');
    const skipped: CsvError[] = [];
    const summaries: CsvSummary[] = [];
    const samples = await rows(
      fromCsv(path, { label: 'y', numClasses: 2, onError: 'skip', onSkip: (e) => skipped.push(e), onComplete: (s) => summaries.push(s) }),
    );
    expect(samples.map((s) => s.x)).toEqual([[1, 1], [3, 3], [6, 6]]);
    expect(skipped.map((e) => e.line)).toEqual([3, 6, 7]);
    expect(skipped.map((e) => e.message)).toEqual([
      `fromCsv: ${path} line 3, column "b" (index 1): expected a number, found "x"`,
      `fromCsv: ${path} line 6: expected 3 fields (as the header), found 2 in "4,4"`,
      `fromCsv: ${path} line 7, column "y" (index 2): class index 9 is out of range for numClasses 2 (0 to 1), found "9"`,
    ]);
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toEqual({ file: path, lines: 8, rows: 3, skipped: 3, firstErrors: skipped });
  });

  test('rows + skipped + header + blank lines = lines, and the summary keeps only the first 10 errors', async () => {
    const body = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? `${i},0` : `${i},x`)).join('\n');
    let summary: CsvSummary | undefined;
    const samples = await rows(fromCsv(csv(`a,y\n${body}\n`), { label: 'y', onError: 'skip', onComplete: (s) => (summary = s) }));
    expect(samples).toHaveLength(20);
    expect(summary?.skipped).toBe(20);
    expect(summary?.rows).toBe(20);
    expect(summary?.lines).toBe(41);
    expect(summary?.firstErrors.map((e) => e.line)).toEqual([3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
  });

  test('without a header, a malformed first row is skipped and the next row fixes the layout', async () => {
    const skipped: number[] = [];
    const path = csv('1,"2\n3,1\n4,0\n');
    const samples = await rows(fromCsv(path, { header: false, label: 1, onError: 'skip', onSkip: (e) => skipped.push(e.line) }));
    expect(samples).toEqual([
      { x: [3], y: 1 },
      { x: [4], y: 0 },
    ]);
    expect(skipped).toEqual([1]);
  });

  test('an error thrown by onSkip errors the Observable', async () => {
    const path = csv('a,y\nx,0\n');
    const error = await failure(
      fromCsv(path, {
        label: 'y',
        onError: 'skip',
        onSkip: () => {
          throw new Error('too many bad rows');
        },
      }),
    );
    expect(error.message).toBe('too many bad rows');
  });
});

describe('fromCsv: options are checked when the source is created', () => {
  const cases: [string, unknown, string][] = [
    ['no options', undefined, 'fromCsv: options must be an object with at least a label, found undefined'],
    ['no label', {}, 'fromCsv: label must be a column name or a 0-based index, found undefined'],
    ['a negative label index', { label: -1 }, 'fromCsv: label must be a column name or a 0-based index, found -1'],
    ['a misspelt option', { label: 'y', lable: 'y' }, "fromCsv: unknown option 'lable' (expected one of label, columns, header, delimiter, labelEncoding, numClasses, onError, onSkip, onComplete)"],
    ['empty columns', { label: 'y', columns: [] }, 'fromCsv: columns must be a non-empty array of names or indices, found []'],
    ['a repeated column', { label: 'y', columns: ['a', 'a'] }, 'fromCsv: columns lists "a" twice'],
    ['a fractional column index', { label: 'y', columns: [1.5] }, 'fromCsv: columns[0] must be a column name or a 0-based index, found 1.5'],
    ['names without a header', { label: 'y', header: false }, 'fromCsv: label names column "y", but with header: false columns are 0-based indices'],
    ['a non-boolean header', { label: 'y', header: 'yes' }, 'fromCsv: header must be true or false, found yes'],
    ['a long delimiter', { label: 'y', delimiter: ';;' }, 'fromCsv: delimiter must be one character other than a quote or a line break, found ";;"'],
    ['a quote delimiter', { label: 'y', delimiter: '"' }, 'fromCsv: delimiter must be one character other than a quote or a line break, found "\\""'],
    ['an unknown label encoding', { label: 'y', labelEncoding: 'ordinal' }, "fromCsv: labelEncoding must be 'index', 'onehot' or 'value', found ordinal"],
    ['one-hot without numClasses', { label: 'y', labelEncoding: 'onehot' }, "fromCsv: labelEncoding 'onehot' needs numClasses"],
    ['numClasses 0', { label: 'y', numClasses: 0 }, 'fromCsv: numClasses must be an integer >= 1, found 0'],
    ['numClasses for values', { label: 'y', labelEncoding: 'value', numClasses: 3 }, "fromCsv: numClasses 3 has no meaning with labelEncoding 'value'"],
    ['an unknown onError', { label: 'y', onError: 'ignore' }, "fromCsv: onError must be 'throw' or 'skip', found ignore"],
    ['skip without a report', { label: 'y', onError: 'skip' }, "fromCsv: onError 'skip' needs an onSkip or onComplete callback, so that skipped rows are reported"],
    ['a non-function callback', { label: 'y', onComplete: 'log' }, 'fromCsv: onComplete must be a function, found string'],
  ];

  test.each(cases)('%s', (_, options, message) => {
    const create = () => fromCsv('never-opened.csv', options as FromCsvOptions);
    expect(create).toThrow(ArgumentError);
    expect(create).toThrow(message);
  });

  test('a bad path', () => {
    expect(() => fromCsv('', { label: 'y' })).toThrow('fromCsv: path must be a non-empty string, found ""');
    expect(() => fromCsv(42 as never, { label: 'y' })).toThrow('fromCsv: path must be a non-empty string, found 42');
  });

  test('creating the source opens nothing: a missing file fails only on subscription', () => {
    expect(() => fromCsv(join(dir, 'not-there.csv'), { label: 'y' })).not.toThrow();
  });
});

/** File descriptors of this process open on `path` (Linux `/proc`). */
function descriptorsOf(path: string): string[] {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

/** How far the file behind descriptor `fd` has been read. */
function readPosition(fd: string): number {
  const match = /^pos:\s*(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return Number(match?.[1]);
}

describe.runIf(existsSync('/proc/self/fdinfo'))('fromCsv: reading is demand-driven', () => {
  test('a consumer that takes 5 of 200,000 rows reads a small part of the file, which is closed afterwards', async () => {
    const lines = Array.from({ length: 200_000 }, (_, i) => `${i},${i % 10 / 4},${i % 3}`);
    const path = csv(`a,b,label\n${lines.join('\n')}\n`);
    const size = Buffer.byteLength(readFileSync(path));
    const positions: number[] = [];
    let completed = false;
    const source = fromCsv(path, { label: 'label', onComplete: () => (completed = true) });
    const seen = await lastValueFrom(
      paced(source, async (sample) => {
        await tick();
        positions.push(...descriptorsOf(path).map(readPosition));
        return sample.x.toArray();
      }).pipe(take(5), toArray()),
    );
    expect(seen).toEqual([[0, 0], [1, 0.25], [2, 0.5], [3, 0.75], [4, 1]]);
    expect(positions).toHaveLength(5);
    expect(Math.max(...positions)).toBeLessThan(size / 4);
    // the chunk being split into lines, plus the stream's own buffer of one 64 KiB chunk
    expect(Math.max(...positions)).toBeLessThanOrEqual(3 * 64 * 1024);
    for (let i = 0; i < 100 && descriptorsOf(path).length > 0; i++) await tick();
    expect(descriptorsOf(path)).toEqual([]);
    expect(completed).toBe(false);
  });

  test('an error closes the file too', async () => {
    const path = csv(`a,y\n1,0\nbad,0\n${'2,0\n'.repeat(50_000)}`);
    await failure(fromCsv(path, { label: 'y' }));
    for (let i = 0; i < 100 && descriptorsOf(path).length > 0; i++) await tick();
    expect(descriptorsOf(path)).toEqual([]);
  });
});
