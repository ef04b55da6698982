/**
 * 2×2 max pooling at stride 2 without padding, the WASM twin of `maxPool2x2Forward` in
 * `../../pool2d.ts`: the same values and argmax indices, ties and NaN included. Four windows at
 * a time: two vector loads per input row, split into the windows' left and right columns by
 * shuffles, then three compare-and-select steps in row-major order (a value wins when it is
 * strictly larger, or the first NaN). Pointers are byte addresses; arguments are trusted.
 */

@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

/** Mask of lanes where `v` beats `best`: `v > best`, or `v` is NaN and `best` is not. */
@inline function wins(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
}

/** Whether `v` beats `best`, as `wins` for one lane. */
@inline function winsScalar(v: f32, best: f32): bool {
  return v > best || (v != v && best == best);
}

/**
 * Pools `planes` planes of `H×W` floats at `x` (`W` even) into `out` (`planes·(H/2)·(W/2)`
 * floats) and writes each output's input index (counted from `x`) to `argmax` (i32).
 */
export function maxPool2x2(x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const lanes = i32x4(0, 2, 4, 6);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    for (let i = 0; i < OH; i++) {
      const row = plane * H * W + 2 * i * W;
      let j = 0;
      for (; j + 4 <= OW; j += 4, o += 4) {
        const k = row + 2 * j;
        const a = v128.load(at(x, k)), b = v128.load(at(x, k + 4));
        const c = v128.load(at(x, k + W)), d = v128.load(at(x, k + W + 4));
        let best = v128.shuffle<f32>(a, b, 0, 2, 4, 6);
        let index = i32x4.add(i32x4.splat(k), lanes);
        const first = index;
        let v = v128.shuffle<f32>(a, b, 1, 3, 5, 7);
        let m = wins(v, best);
        best = v128.bitselect(v, best, m);
        index = v128.bitselect(i32x4.add(first, i32x4.splat(1)), index, m);
        v = v128.shuffle<f32>(c, d, 0, 2, 4, 6);
        m = wins(v, best);
        best = v128.bitselect(v, best, m);
        index = v128.bitselect(i32x4.add(first, i32x4.splat(W)), index, m);
        v = v128.shuffle<f32>(c, d, 1, 3, 5, 7);
        m = wins(v, best);
        best = v128.bitselect(v, best, m);
        index = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), index, m);
        v128.store(at(out, o), best);
        v128.store(at(argmax, o), index);
      }
      for (; j < OW; j++, o++) {
        const k = row + 2 * j;
        let best = load<f32>(at(x, k));
        let index = k;
        let v = load<f32>(at(x, k + 1));
        if (winsScalar(v, best)) {
          best = v;
          index = k + 1;
        }
        v = load<f32>(at(x, k + W));
        if (winsScalar(v, best)) {
          best = v;
          index = k + W;
        }
        v = load<f32>(at(x, k + W + 1));
        if (winsScalar(v, best)) {
          best = v;
          index = k + W + 1;
        }
        store<f32>(at(out, o), best);
        store<i32>(at(argmax, o), index);
      }
    }
  }
}
