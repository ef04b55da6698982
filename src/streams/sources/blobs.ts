import type { Observable } from 'rxjs';
import { ArgumentError, Rng, tensor } from '../../ops/index.js';
import { assertFinite, assertInt } from '../../ops/errors.js';
import type { Sample } from '../types.js';
import { fromPull } from './pull.js';

/** Options of `blobs`. Give either `centers` or `numClasses`, not both. */
export interface BlobsOptions {
  /** The blob centres, one `[dims]` point per class; drawn at random when absent. */
  centers?: readonly (readonly number[])[];
  /** Number of blobs (classes) when `centers` is absent. @default 3 */
  numClasses?: number;
  /** Points drawn around each centre. @default 100 */
  pointsPerClass?: number;
  /** Standard deviation of every coordinate, one number for all blobs or one per blob. @default 1 */
  std?: number | readonly number[];
  /** Dimensions of a point; taken from `centers` when they are given. @default 2 */
  dims?: number;
  /** The box `[low, high)` that random centres are drawn from, in every dimension. @default [-10, 10] */
  centerBox?: readonly [number, number];
  /** Seed of the centres and points; the same seed gives the same data on every subscription. @default 0 */
  seed?: number;
}

/**
 * Isotropic Gaussian blobs for classification, in the manner of scikit-learn's `make_blobs`:
 * point `i` of blob `k` is `centers[k] + std[k] · N(0, I)`, `x` a `[dims]` tensor and `y` the
 * scalar class `k`. Without `centers`, `numClasses` centres are drawn uniformly from
 * `centerBox` in every dimension (as `make_blobs(centers=numClasses)` does). Each
 * subscription starts `Rng(seed)` afresh and draws the random centres first (blob by blob,
 * coordinate by coordinate), then the points in emission order, so every epoch replays the
 * same data. Unlike `make_blobs` nothing is shuffled: samples come in class order (all of blob
 * 0, then blob 1, ...), so shuffle downstream.
 *
 * ```
 * blobs({ numClasses: 2, pointsPerClass: 2 }): (abcd|)    a, b around centre 0; c, d around centre 1
 * ```
 *
 * @example
 * ```ts
 * import { blobs, shuffle, batch } from 'streamgrad/streams';
 * const train = blobs({ centers: [[0, 0], [4, 4]], std: 0.5, pointsPerClass: 50, seed: 7 })
 *   .pipe(shuffle({ bufferSize: 100, seed: 1 }), batch(16));
 * ```
 * @returns a cold `Observable<Sample>` of `classes · pointsPerClass` samples, pulled on demand.
 */
export function blobs(opts: BlobsOptions = {}): Observable<Sample> {
  const pointsPerClass = opts.pointsPerClass ?? 100;
  const seed = opts.seed ?? 0;
  const [low, high] = opts.centerBox ?? [-10, 10];
  assertInt('blobs', 'pointsPerClass', pointsPerClass, 1);
  assertFinite('blobs', 'seed', seed);
  assertFinite('blobs', 'centerBox[0]', low);
  assertFinite('blobs', 'centerBox[1]', high);
  if (!(low < high)) throw new ArgumentError(`blobs: centerBox must be [low, high] with low < high, found [${low}, ${high}]`);
  const given = opts.centers === undefined ? undefined : checkCenters(opts.centers, opts.dims, opts.numClasses);
  const classes = given?.length ?? opts.numClasses ?? 3;
  const dims = given?.[0].length ?? opts.dims ?? 2;
  assertInt('blobs', 'numClasses', classes, 1);
  assertInt('blobs', 'dims', dims, 1);
  const stds = checkStd(opts.std ?? 1, classes);
  return fromPull(function* () {
    const rng = new Rng(seed);
    const drawCenter = (): number[] => Array.from({ length: dims }, () => low + (high - low) * rng.uniform());
    const centers = given ?? Array.from({ length: classes }, drawCenter);
    for (let k = 0; k < classes; k++) {
      for (let i = 0; i < pointsPerClass; i++) {
        const point = centers[k].map((c) => c + stds[k] * rng.normal());
        yield { x: tensor(point), y: tensor(k) };
      }
    }
  });
}

/** Validates explicit centres (non-empty, one length, finite) and returns a private copy. */
function checkCenters(centers: readonly (readonly number[])[], dims: number | undefined, numClasses: number | undefined): number[][] {
  if (numClasses !== undefined) {
    const found = `numClasses ${String(numClasses)} and ${centers.length} centers`;
    throw new ArgumentError(`blobs: give either centers or numClasses, not both (found ${found})`);
  }
  if (!Array.isArray(centers) || centers.length === 0) {
    throw new ArgumentError(`blobs: centers must be a non-empty array of points, found ${JSON.stringify(centers)}`);
  }
  const width = dims ?? centers[0]?.length;
  return centers.map((center, k) => {
    if (!Array.isArray(center) || center.length !== width || width === 0) {
      throw new ArgumentError(`blobs: centers[${k}] must be an array of ${String(width)} numbers (dims), found ${JSON.stringify(center)}`);
    }
    center.forEach((v, d) => assertFinite('blobs', `centers[${k}][${d}]`, v));
    return [...center];
  });
}

/** One non-negative standard deviation per blob. */
function checkStd(std: number | readonly number[], classes: number): number[] {
  const stds = typeof std === 'number' ? new Array<number>(classes).fill(std) : std;
  if (!Array.isArray(stds) || stds.length !== classes) {
    throw new ArgumentError(`blobs: std must be a number or ${classes} numbers (one per blob), found ${JSON.stringify(std)}`);
  }
  stds.forEach((s, k) => {
    if (typeof s !== 'number' || !Number.isFinite(s) || s < 0) {
      throw new ArgumentError(`blobs: std${typeof std === 'number' ? '' : `[${k}]`} must be a finite number >= 0, found ${String(s)}`);
    }
  });
  return [...stds];
}
