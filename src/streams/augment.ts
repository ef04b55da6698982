import { type Observable, defer, map } from 'rxjs';
import { currentEpoch } from './epoch-context.js';
import { ArgumentError, Rng, ShapeError, Tensor, deriveSeed } from '../ops/index.js';
import type { Sample } from './types.js';

/**
 * One step of per-sample preprocessing: maps a sample's input `x` to a new tensor. The
 * built-in image transforms take `x` as `[C, H, W]` and throw a `ShapeError` naming
 * themselves for any other rank; `normalize` takes any `[C, ...]`.
 *
 * A transform never writes into `x`, and draws all its randomness from the `rng` it is
 * given, so the same `rng` state gives the same output.
 */
export interface Transform {
  /** The transform's name, as its errors print it (`'randomCrop'`). */
  readonly name: string;
  /** Whether `apply` draws from `rng`; `augment` then requires a seed. */
  readonly random: boolean;
  /** Returns the transformed copy of `x`; `rng` is the sample's generator (see `augment`). */
  apply(x: Tensor, rng: Rng): Tensor;
}

/** Options of `augment`, passed after the transforms. */
export interface AugmentOptions {
  /** Seed of the random transforms; required when any transform is random. */
  readonly seed?: number;
  /** The epoch number of the first subscription, to resume a run mid-way. @default 0 */
  readonly initialEpoch?: number;
}

/** An operator that keeps the sample type: extra fields of a sample pass through. */
export type SampleOperator = <S extends Sample>(source: Observable<S>) => Observable<S>;

/**
 * Applies `transforms` in order to every sample's `x`; `y` (and any other field) is kept.
 *
 * ```
 * source:                             --a---b---c--|
 * augment(randomFlip(), { seed: 1 }): --A---B---C--|    A = { ...a, x: a.x flipped with probability 0.5 }
 * ```
 *
 * Randomness is reproducible and re-derived per epoch: each subscription to the augmented
 * Observable is one epoch (counted from `initialEpoch`; inside `fit`, the epoch `fit` runs), and sample `i` of epoch `e` is
 * transformed with `new Rng(deriveSeed(seed, e, i))`, shared in order by its transforms. So the
 * same seed replays the same augmentations, the next epoch draws new ones, and a sample's
 * draws do not depend on the samples before it. Without random transforms no seed is needed.
 *
 * Put `augment` before `batch`; errors and completion pass through, and unsubscribing
 * releases the source. A transform that throws ends the stream with its error, prefixed
 * with the sample index and epoch.
 *
 * @example
 * ```ts
 * import { firstValueFrom } from 'rxjs';
 * import { augment, fitNormalizer, normalize, randomCrop, randomFlip } from 'streamgrad/streams';
 * const stats = await firstValueFrom(train$.pipe(fitNormalizer()));
 * const trainAug$ = train$.pipe(augment(randomCrop({ size: 32, padding: 4 }), randomFlip(), normalize(stats), { seed: 7 }));
 * const testAug$ = test$.pipe(augment(normalize(stats)));
 * ```
 *
 * @param args - the transforms, optionally followed by `AugmentOptions`.
 * @throws ArgumentError at creation for an argument that is not a transform, a random
 *   transform without a seed, or a bad seed or `initialEpoch`.
 */
export function augment(...args: [...transforms: Transform[], options: AugmentOptions] | Transform[]): SampleOperator {
  const { transforms, options } = splitArguments(args);
  const random = transforms.filter((t) => t.random).map((t) => t.name);
  const seed = options.seed;
  if (seed === undefined && random.length > 0) {
    throw new ArgumentError(`augment: random transforms (${random.join(', ')}) need a seed: augment(..., { seed })`);
  }
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isFinite(seed))) {
    throw new ArgumentError(`augment: seed must be a finite number, found ${String(seed)}`);
  }
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0) {
    throw new ArgumentError(`augment: initialEpoch must be an integer >= 0, found ${String(initialEpoch)}`);
  }

  return <S extends Sample>(source: Observable<S>): Observable<S> => {
    let nextEpoch = initialEpoch;
    return defer(() => {
      // Inside fit, the run's epoch decides (so a resumed run draws the same augmentations);
      // elsewhere each subscription counts as the next epoch.
      const counted = nextEpoch++;
      const epoch = currentEpoch() ?? counted;
      return source.pipe(map((sample, index) => transformSample(transforms, sample, seed ?? 0, epoch, index)));
    });
  };
}

function transformSample<S extends Sample>(transforms: readonly Transform[], sample: S, seed: number, epoch: number, index: number): S {
  if (!(sample?.x instanceof Tensor)) {
    throw new ArgumentError(`augment: sample ${index} (epoch ${epoch}) has no tensor x, found ${describe(sample)}`);
  }
  const rng = new Rng(deriveSeed(seed, epoch, index));
  let x = sample.x;
  try {
    for (const transform of transforms) x = transform.apply(x, rng);
  } catch (error) {
    throw withSampleIndex(error, epoch, index);
  }
  return { ...sample, x };
}

/** Re-raises a transform's error with the sample index in front, keeping its class. */
function withSampleIndex(error: unknown, epoch: number, index: number): unknown {
  const where = `augment: sample ${index} (epoch ${epoch})`;
  if (error instanceof ShapeError) return new ShapeError(`${where}: ${error.message}`, { cause: error });
  if (error instanceof ArgumentError) return new ArgumentError(`${where}: ${error.message}`, { cause: error });
  if (error instanceof Error) return new Error(`${where}: ${error.message}`, { cause: error });
  return error;
}

function splitArguments(args: ReadonlyArray<Transform | AugmentOptions>): { transforms: Transform[]; options: AugmentOptions } {
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && last !== null && typeof last === 'object' && !('apply' in last);
  const transforms = (hasOptions ? args.slice(0, -1) : args) as Transform[];
  transforms.forEach((t, i) => {
    const ok = t !== null && typeof t === 'object' && typeof t.apply === 'function' && typeof t.name === 'string' && typeof t.random === 'boolean';
    if (!ok) {
      throw new ArgumentError(`augment: argument ${i} is not a transform (expected { name, random, apply }), found ${describe(t)}`);
    }
  });
  if (hasOptions) {
    for (const name of Object.keys(last)) {
      if (name !== 'seed' && name !== 'initialEpoch') {
        throw new ArgumentError(`augment: unknown option '${name}' (expected one of seed, initialEpoch)`);
      }
    }
  }
  return { transforms, options: hasOptions ? (last as AugmentOptions) : {} };
}

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  return `an object with keys {${Object.keys(value).join(', ')}}`;
}
