import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reading a CSV file for `fromCsv`: the file into lines, a line into fields.
 * @internal
 */

/** The longest line held in memory, in characters: the bound of the line buffer. */
const MAX_LINE_CHARS = 1 << 24;

/**
 * One CSV line split into fields, or why it could not be: RFC 4180 with one restriction —
 * a quoted field cannot hold a line break (lines are split before fields are).
 */
export type CsvLineResult =
  | { readonly ok: true; readonly fields: string[] }
  | { readonly ok: false; readonly column: number; readonly reason: string };

/**
 * Splits one line (without its line ending) at `delimiter`. A field that starts with `"` is
 * quoted: it runs to the next lone `"`, and `""` inside it stands for one `"`; after the
 * closing quote comes the delimiter or the end of the line. A `"` inside an unquoted field
 * is an error, as RFC 4180 requires such fields to be quoted. Fields are not trimmed.
 *
 * @example
 * ```ts
 * parseCsvLine('1,"a ""b""",3', ','); // { ok: true, fields: ['1', 'a "b"', '3'] }
 * parseCsvLine('1,"open', ',');       // { ok: false, column: 1, reason: 'unterminated quoted field ...' }
 * ```
 */
export function parseCsvLine(line: string, delimiter: string): CsvLineResult {
  const fields: string[] = [];
  let pos = 0;
  for (;;) {
    const column = fields.length;
    if (line[pos] === '"') {
      let value = '';
      let from = pos + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote === -1) {
          return { ok: false, column, reason: 'unterminated quoted field (a quoted field cannot span lines)' };
        }
        value += line.slice(from, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
          continue;
        }
        pos = quote + 1;
        break;
      }
      fields.push(value);
      if (pos === line.length) return { ok: true, fields };
      if (line[pos] !== delimiter) {
        return { ok: false, column, reason: `unexpected text after the closing quote: ${JSON.stringify(line.slice(pos, pos + 20))}` };
      }
      pos += 1;
      continue;
    }
    const end = line.indexOf(delimiter, pos);
    const value = end === -1 ? line.slice(pos) : line.slice(pos, end);
    if (value.includes('"')) {
      return { ok: false, column, reason: `a quote inside an unquoted field: ${JSON.stringify(value)} (quote the whole field)` };
    }
    fields.push(value);
    if (end === -1) return { ok: true, fields };
    pos = end + 1;
  }
}

/**
 * The file's lines, without their endings (LF or CRLF) and without a leading UTF-8 BOM; a
 * final line ending does not start an empty line. Reads 64 KiB at a time and only when the
 * caller asks for the next line; stopping (`return()`) or an error closes the file.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const stream = createReadStream(file, { highWaterMark: 64 * 1024 });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let atStart = true;
  try {
    for await (const chunk of stream) {
      let text = rest + decoder.write(chunk as Buffer);
      if (atStart && text.length > 0) {
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
        atStart = false;
      }
      let start = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
        yield stripCr(text.slice(start, end));
        start = end + 1;
      }
      rest = text.slice(start);
      if (rest.length > MAX_LINE_CHARS) throw new Error(`a line is longer than ${MAX_LINE_CHARS} characters`);
    }
    rest += decoder.end();
    if (rest !== '') yield stripCr(rest);
  } catch (error) {
    throw new Error(`fromCsv: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    stream.destroy();
  }
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
