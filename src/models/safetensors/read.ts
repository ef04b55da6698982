import { ArgumentError, Tensor } from '../../ops/index.js';
import { DTYPES } from './dtypes.js';
import { define, parseHeader } from './header.js';

/** Options of `readSafetensors`. */
export interface ReadSafetensorsOptions {
  /** Names the file in error messages, e.g. its path. @default 'safetensors' */
  source?: string;
}

/** What a safetensors file holds: float32 tensors by name, and the `__metadata__` strings. */
export interface SafetensorsContents {
  /** The tensors, in the order the header lists them, converted to float32. */
  tensors: Record<string, Tensor>;
  /** The header's `__metadata__`, or `null` when it has none. */
  metadata: Record<string, string> | null;
}

/**
 * Decodes a safetensors file: `[N: u64 little-endian][N bytes of JSON header][data buffer]`.
 * The whole header is validated before any tensor is allocated (see `parseHeader`), so a
 * malformed file costs no memory and yields a `CheckpointError` naming the tensor and the
 * byte offset. Every dtype becomes float32: F16, BF16 and F32 exactly, integers exactly up
 * to 2^24 in magnitude and rounded to the nearest float32 beyond (I64 via BigInt). The
 * tensors own fresh, aligned copies of the data, whatever the alignment in `bytes`.
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { readSafetensors } from 'streamgrad/models';
 * const { tensors, metadata } = readSafetensors(await readFile('model.safetensors'));
 * tensors['0.weight'].shape; // [128, 784]
 * ```
 * @throws CheckpointError when the file is malformed.
 */
export function readSafetensors(bytes: Uint8Array, opts: ReadSafetensorsOptions = {}): SafetensorsContents {
  if (!(bytes instanceof Uint8Array)) {
    throw new ArgumentError(`readSafetensors: expected the file's bytes as a Uint8Array, found ${typeof bytes}`);
  }
  const header = parseHeader(bytes, opts.source ?? 'safetensors');
  const tensors: Record<string, Tensor> = {};
  for (const entry of header.entries) {
    const reader = DTYPES[entry.dtype];
    const count = (entry.end - entry.begin) / reader.size;
    const data = reader.decode(bytes, header.dataStart + entry.begin, count);
    define(tensors, entry.name, new Tensor(data, entry.shape));
  }
  const metadata = header.metadata === null ? null : { ...header.metadata };
  return { tensors, metadata };
}
