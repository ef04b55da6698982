/**
 * Validation and preparation of what `forwardWithState` takes besides the input: the mask and
 * the initial states. Internal to the recurrent layers.
 * @internal
 * @packageDocumentation
 */
import { ArgumentError, ShapeError, Tensor, concat, reshape, slice } from '../../../ops/index.js';
import { checkOptions } from '../conv2d.js';

/** A validated mask: the 0/1 tensor, and its columns per step as `[N]` (fused) and `[N, 1]` (composed). @internal */
export interface Mask {
  readonly binary: Tensor;
  readonly steps: Tensor[];
  readonly columns: Tensor[];
}

/** What `initialStates` needs to know of the layer. @internal */
export interface StateLayout {
  readonly label: string;
  readonly kind: string;
  readonly units: number;
  readonly numLayers: number;
  readonly directions: number;
  /** Blocks of H in the carried state: 2 for an LSTM's `[h | c]`, else 1. */
  readonly stateParts: number;
}

/**
 * Checks a mask `[N, T]` of 0/1 values (1 real step, 0 padding) against the input and splits it
 * into per-step columns; `null` stays `null`. @internal
 */
export function checkMask(label: string, mask: Tensor | null, n: number, time: number): Mask | null {
  if (mask === null) return null;
  if (!(mask instanceof Tensor) || mask.rank !== 2 || mask.shape[0] !== n || mask.shape[1] !== time) {
    const found = mask instanceof Tensor ? `[${mask.shape.join(',')}]` : typeof mask;
    throw new ShapeError(`${label}: expected mask [N,T] = [${n},${time}] (1 real step, 0 padding), found ${found}`);
  }
  const bad = mask.data.findIndex((v) => v !== 0 && v !== 1);
  if (bad >= 0) {
    throw new ArgumentError(
      `${label}: mask must hold 0 (padding) or 1 (real step), found ${mask.data[bad]} at mask[${Math.floor(bad / time)},${bad % time}]`,
    );
  }
  const steps: Tensor[] = [];
  const columns: Tensor[] = [];
  for (let t = 0; t < time; t++) {
    const values = new Float32Array(n);
    for (let r = 0; r < n; r++) values[r] = mask.data[r * time + t];
    steps.push(new Tensor(values, [n]));
    columns.push(new Tensor(values, [n, 1]));
  }
  return { binary: mask.detach(), steps, columns };
}

/**
 * The initial carried state of each layer and direction (index `l·dirs + d`), `[N, stateParts·H]`:
 * zeros, or cut out of `{ h, c }` (`[numLayers·dirs, N, H]` each, PyTorch's `h_0`/`c_0`),
 * differentiably, so gradients reach a given initial state. @internal
 */
export function initialStates(
  layer: StateLayout,
  given: { readonly h: Tensor; readonly c?: Tensor | null } | null,
  n: number,
): Tensor[] {
  const count = layer.numLayers * layer.directions;
  const width = layer.stateParts * layer.units;
  if (given === null) return Array.from({ length: count }, () => new Tensor(new Float32Array(n * width), [n, width]));
  const expected = [count, n, layer.units];
  const context = `${layer.label}: initialState`;
  checkOptions(context, given, ['h', 'c']);
  checkStateTensor(context, 'h', given.h, expected);
  if (layer.stateParts === 2) checkStateTensor(context, 'c', given.c, expected);
  else if (given.c !== undefined && given.c !== null) {
    throw new ArgumentError(`${context}: ${layer.kind} has no cell state; pass { h } only (c is for lstm)`);
  }
  const pick = (t: Tensor, k: number) => reshape(slice(t, [k], [k + 1]), [n, layer.units]);
  return Array.from({ length: count }, (_, k) =>
    layer.stateParts === 2 ? concat([pick(given.h, k), pick(given.c!, k)], 1) : pick(given.h, k),
  );
}

function checkStateTensor(where: string, name: string, value: unknown, expected: readonly number[]): void {
  const ok = value instanceof Tensor && value.rank === 3 && value.shape.every((d, i) => d === expected[i]);
  if (!ok) {
    const found = value instanceof Tensor ? `[${value.shape.join(',')}]` : value === undefined ? 'nothing' : typeof value;
    throw new ShapeError(`${where}: expected ${name} [numLayers·dirs,N,H] = [${expected.join(',')}], found ${found}`);
  }
}
