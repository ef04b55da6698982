import { Tensor } from '../../ops/index.js';
import type { Sample } from '../types.js';

/** A sample read from a stream, with the id of its entry. */
export type StreamSample = Sample & { readonly id: string };

/** Turns an entry's fields into a sample; throw (ideally a `StreamDecodeError` naming the field) when it cannot. */
export type StreamDecoder = (fields: Record<string, string>, id: string) => Sample;

/**
 * An entry that does not decode: names the entry's id (when known) and the field at fault.
 * Decoders throw it (or any error) with the field; `fromRedisStream` adds the id and stream.
 *
 * @example
 * ```ts
 * const decode = (f) => {
 *   if (f.label !== 'spam' && f.label !== 'ham') throw new StreamDecodeError(`field 'label': expected spam or ham, found ${f.label}`, { field: 'label' });
 *   return { x: tensor(readNumbers(f, 'x')), y: tensor([f.label === 'spam' ? 1 : 0]) };
 * };
 * ```
 */
export class StreamDecodeError extends Error {
  override name = 'StreamDecodeError';
  /** The field at fault, when the decoder said. */
  readonly field: string | undefined;
  /** The entry's stream id, once the source knows it. */
  readonly id: string | undefined;

  constructor(message: string, details: { field?: string; id?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.field = details.field;
    this.id = details.id;
  }
}

/**
 * Reads field `name` of an entry as comma-separated numbers (`"0.5,-1,3e-2"`), for decoders.
 * @throws StreamDecodeError naming the field when it is missing, not numbers, or not `length` long.
 * @example
 * ```ts
 * const decode = (f) => ({ x: tensor(readNumbers(f, 'x', 8)), y: tensor(readNumbers(f, 'y', 1)) });
 * ```
 */
export function readNumbers(fields: Record<string, string>, name: string, length?: number): number[] {
  const text = fields[name];
  if (text === undefined) throw new StreamDecodeError(`field '${name}' is missing (fields: ${Object.keys(fields).join(', ') || 'none'})`, { field: name });
  const parts = text.trim() === '' ? [] : text.split(',');
  const values = parts.map((part) => (part.trim() === '' ? Number.NaN : Number(part)));
  const bad = values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw new StreamDecodeError(`field '${name}': value ${bad} is not a finite number (${JSON.stringify(parts[bad])})`, { field: name });
  if (length !== undefined && values.length !== length) {
    throw new StreamDecodeError(`field '${name}': expected ${length} comma-separated numbers, found ${values.length}`, { field: name });
  }
  return values;
}

/** Throws a `StreamDecodeError` unless a decoder returned `{ x: Tensor, y: Tensor }`. @internal */
export function checkDecoded(sample: unknown): asserts sample is Sample {
  for (const field of ['x', 'y'] as const) {
    const value = (sample as Partial<Sample> | null | undefined)?.[field];
    if (!(value instanceof Tensor)) {
      throw new StreamDecodeError(`decode returned no tensor ${field} (found ${value === null ? 'null' : typeof value}); return { x: Tensor, y: Tensor }`);
    }
  }
}

