import { ArgumentError } from './errors.js';

/** The saved state of an `Rng`: restore it with `rng.setState(state)` to replay the same draws. */
export interface RngState {
  /** The four 32-bit words of xoshiro128** (unsigned). */
  readonly s: readonly [number, number, number, number];
  /** The second normal of the last Box–Muller pair, not yet returned (`null` if none). */
  readonly spareNormal: number | null;
}

/** SplitMix32 step: spreads a 32-bit seed into well-mixed words for the xoshiro state. */
function splitmix32(x: number): [number, number] {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [x, z >>> 0];
}

/**
 * Mixes a seed with further integers (an epoch number, a worker index) into a new 32-bit seed,
 * so derived streams of randomness are independent and reproducible.
 */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let [x, z] = splitmix32(seed >>> 0);
  for (const p of parts) {
    [x, z] = splitmix32((x ^ Math.imul(p >>> 0, 0x27d4eb2d) ^ z) | 0);
  }
  return z;
}

/**
 * A seeded pseudo-random generator: **xoshiro128\*\*** (Blackman & Vigna, 2018), 128 bits of
 * state, period 2^128 − 1, seeded through SplitMix32. Uniform doubles take 53 bits from two
 * draws; normals use the Box–Muller transform and keep the spare value in the state, so
 * `state()` / `setState()` replay the sequence exactly.
 *
 * The same seed gives the same numbers on every platform (only 32-bit integer arithmetic).
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * const saved = rng.state();
 * const a = rng.normal();
 * rng.setState(saved);
 * rng.normal() === a; // true
 * ```
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** @param seed - any finite number; its low 32 bits are used. */
  constructor(seed: number) {
    if (typeof seed !== 'number' || !Number.isFinite(seed)) {
      throw new ArgumentError(`Rng: seed must be a finite number, found ${String(seed)}`);
    }
    let x = seed >>> 0;
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      const [nx, z] = splitmix32(x);
      x = nx;
      words.push(z);
    }
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** A standard normal sample (mean 0, standard deviation 1), by Box–Muller. */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    const u1 = 1 - this.uniform(); // (0, 1], so log(u1) is finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) {
      throw new ArgumentError(`Rng.int: n must be an integer in [1, 2^32], found ${n}`);
    }
    const limit = 2 ** 32 - (2 ** 32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A copy of the generator's state. */
  state(): RngState {
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spare };
  }

  /** Restores a state returned by `state()`; the following draws repeat the saved ones. */
  setState(state: RngState): void {
    const words: unknown = state?.s;
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w >= 2 ** 32)) {
      throw new ArgumentError(`Rng.setState: expected { s: four unsigned 32-bit integers }, found ${JSON.stringify(state)}`);
    }
    if (words.every((w) => w === 0)) {
      throw new ArgumentError('Rng.setState: the all-zero state is not a valid xoshiro128** state');
    }
    [this.s0, this.s1, this.s2, this.s3] = (words as number[]).map((w) => w | 0);
    this.spare = state.spareNormal ?? null;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
