/**
 * Max and average pooling over contiguous NCHW planes, the WASM twins of the TypeScript loops in
 * `../../pool2d.ts`, giving their bits exactly (same comparisons, same order of operations, the
 * averages summed and divided in f64 as JavaScript numbers are). Pointers are byte addresses;
 * arguments are trusted.
 *
 * The 2×2, stride 2, unpadded max pooling (`maxPool2x2`) runs four windows at a time: two vector
 * loads per input row, split into the windows' left and right columns by shuffles, then three
 * compare-and-select steps in row-major order (a value wins when it is strictly larger, or the
 * first NaN). The general kernels (`maxPool2d`, `avgPool2d`, their backwards) take any window,
 * stride and padding: window `(i, j)` covers rows `i·sH − pH … + kH − 1` and columns
 * `j·sW − pW … + kW − 1`, clipped to the plane.
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

/**
 * Max pooling of `planes` planes of `H×W` floats at `x` into `out` (`planes·OH·OW` floats), with
 * each output's input index (counted from `x`) in `argmax` (i32). The first value of a window is
 * taken, then a later one wins as in `winsScalar`, chosen by selects rather than branches. At
 * stride 1, four outputs whose windows lie inside the columns run as the four lanes of an f32x4
 * (one unaligned load per window cell covers the four windows' same cell).
 */
export function maxPool2d(
  x: usize, out: usize, argmax: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = max(i * sH - pH, 0), rowHi = min(i * sH - pH + kH, H);
      let j = 0;
      if (sW == 1) {
        // Lane l compares the cells of window j + l in the scalar loop's order.
        for (; j < pW && j < OW; j++, o++) maxWindow(x, out, argmax, o, base, W, rowLo, rowHi, j - pW, kW);
        for (; j + 4 <= OW && j + 3 - pW + kW <= W; j += 4, o += 4) {
          const first = base + rowLo * W + j - pW;
          let best = v128.load(at(x, first));
          let index = i32x4.splat(first);
          for (let r = rowLo; r < rowHi; r++) {
            const row = base + r * W + j - pW;
            for (let c = r == rowLo ? 1 : 0; c < kW; c++) {
              const v = v128.load(at(x, row + c));
              const m = wins(v, best);
              best = v128.bitselect(v, best, m);
              index = v128.bitselect(i32x4.splat(row + c), index, m);
            }
          }
          v128.store(at(out, o), best);
          v128.store(at(argmax, o), i32x4.add(index, i32x4(0, 1, 2, 3)));
        }
      }
      for (; j < OW; j++, o++) maxWindow(x, out, argmax, o, base, W, rowLo, rowHi, j * sW - pW, kW);
    }
  }
}

/**
 * One window of `maxPool2d`: rows `rowLo…rowHi − 1`, columns from `col` for `kW`, clipped to
 * `0…W − 1`; its max goes to `out[o]`, the max's index to `argmax[o]`.
 */
@inline function maxWindow(
  x: usize, out: usize, argmax: usize, o: i32, base: i32, W: i32, rowLo: i32, rowHi: i32, col: i32, kW: i32,
): void {
  const colLo = max(col, 0), colHi = min(col + kW, W);
  let index = base + rowLo * W + colLo;
  let best = load<f32>(at(x, index));
  for (let r = rowLo; r < rowHi; r++) {
    const row = base + r * W;
    for (let c = r == rowLo ? colLo + 1 : colLo; c < colHi; c++) {
      const v = load<f32>(at(x, row + c));
      const win = winsScalar(v, best);
      best = select<f32>(v, best, win);
      index = select<i32>(row + c, index, win);
    }
  }
  store<f32>(at(out, o), best);
  store<i32>(at(argmax, o), index);
}

/**
 * Max pooling backward: zeroes `dx` (`inputSize` floats), then `dx[argmax[o]] += grad[o]` for
 * `o` in order, in f32 (which rounds as JavaScript's double sum stored to a Float32Array does).
 */
export function maxPool2dBackward(grad: usize, argmax: usize, dx: usize, outputs: i32, inputSize: i32): void {
  memory.fill(dx, 0, <usize>inputSize << 2);
  for (let o = 0; o < outputs; o++) {
    const p = at(dx, load<i32>(at(argmax, o)));
    store<f32>(p, load<f32>(p) + load<f32>(at(grad, o)));
  }
}

/** What an average divides by: `kH·kW` when padding counts, else the real inputs covered. */
@inline function divisor(rows: i32, cols: i32, kH: i32, kW: i32, includePad: bool): f64 {
  return <f64>(includePad ? kH * kW : rows * cols);
}

/**
 * Average pooling of `planes` planes of `H×W` floats at `x` into `out`: each window summed in
 * f64 in row-major order, divided by `divisor` in f64, rounded to f32 once. At stride 1, two
 * outputs whose windows lie inside the columns run as the two lanes of an f64x2, each lane
 * adding its window's cells in the same order.
 */
export function avgPool2d(
  x: usize, out: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, includePad: bool,
): void {
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = max(i * sH - pH, 0), rowHi = min(i * sH - pH + kH, H);
      let j = 0;
      if (sW == 1) {
        for (; j < pW && j < OW; j++, o++) avgWindow(x, out, o, base, W, rowLo, rowHi, j - pW, kH, kW, includePad);
        const count = f64x2.splat(divisor(rowHi - rowLo, kW, kH, kW, includePad));
        for (; j + 2 <= OW && j + 1 - pW + kW <= W; j += 2, o += 2) {
          let total = f64x2.splat(0);
          for (let r = rowLo; r < rowHi; r++) {
            const row = base + r * W + j - pW;
            for (let c = 0; c < kW; c++) total = f64x2.add(total, f64x2.promote_low_f32x4(v128.load64_zero(at(x, row + c))));
          }
          v128.store64_lane(at(out, o), f32x4.demote_f64x2_zero(f64x2.div(total, count)), 0);
        }
      }
      for (; j < OW; j++, o++) avgWindow(x, out, o, base, W, rowLo, rowHi, j * sW - pW, kH, kW, includePad);
    }
  }
}

/** One window of `avgPool2d`: rows `rowLo…rowHi − 1`, columns from `col` for `kW`, clipped to `0…W − 1`. */
@inline function avgWindow(
  x: usize, out: usize, o: i32, base: i32, W: i32, rowLo: i32, rowHi: i32, col: i32, kH: i32, kW: i32, includePad: bool,
): void {
  const colLo = max(col, 0), colHi = min(col + kW, W);
  let total: f64 = 0;
  for (let r = rowLo; r < rowHi; r++) {
    const row = base + r * W;
    for (let c = colLo; c < colHi; c++) total += <f64>load<f32>(at(x, row + c));
  }
  store<f32>(at(out, o), <f32>(total / divisor(rowHi - rowLo, colHi - colLo, kH, kW, includePad)));
}

/**
 * Average pooling backward into `dx` (`planes·H·W` floats): what the TypeScript loop's scatter
 * gives, `dx[cell] += grad[o] / divisor` (f64 share, one f32 rounding per add) for each output
 * `o` in order, computed as a gather with one store per cell: `scratch` (`8·OH·OW + 8·W` bytes)
 * holds each column's first and last window, then per plane the shares (f64), and each input
 * cell adds the shares of the windows holding it in increasing `o`, the same sums in the same
 * order.
 */
export function avgPool2dBackward(
  grad: usize, dx: usize, scratch: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, includePad: bool,
): void {
  if (sH >= kH && sW >= kW) {
    avgPool2dBackwardDisjoint(grad, dx, planes, H, W, OH, OW, kH, kW, sH, sW, pH, pW, includePad);
    return;
  }
  const columns = scratch, shares = scratch + (<usize>W << 3);
  for (let c = 0; c < W; c++) {
    store<i32>(columns + (<usize>c << 3), firstWindow(c, kW, sW, pW));
    store<i32>(columns + (<usize>c << 3), min(OW - 1, (c + pW) / sW), 4);
  }
  for (let plane = 0; plane < planes; plane++) {
    for (let i = 0, o = 0; i < OH; i++) {
      const rows = min(i * sH - pH + kH, H) - max(i * sH - pH, 0);
      for (let j = 0; j < OW; j++, o++) {
        const cols = min(j * sW - pW + kW, W) - max(j * sW - pW, 0);
        const g = <f64>load<f32>(at(grad, plane * OH * OW + o));
        store<f64>(shares + (<usize>o << 3), g / divisor(rows, cols, kH, kW, includePad));
      }
    }
    const base = plane * H * W;
    for (let r = 0; r < H; r++) {
      const iLo = firstWindow(r, kH, sH, pH), iHi = min(OH - 1, (r + pH) / sH);
      for (let c = 0; c < W; c++) {
        const jLo = load<i32>(columns + (<usize>c << 3)), jHi = load<i32>(columns + (<usize>c << 3), 4);
        let sum: f32 = 0;
        for (let i = iLo; i <= iHi; i++) {
          const row = shares + (<usize>(i * OW) << 3);
          for (let j = jLo; j <= jHi; j++) sum = <f32>(<f64>sum + load<f64>(row + (<usize>j << 3)));
        }
        store<f32>(at(dx, base + r * W + c), sum);
      }
    }
  }
}

/**
 * `avgPool2dBackward` when windows do not overlap (stride at least the kernel on both axes):
 * each cell receives one share or none, so it is `0 + share` rounded to f32, or 0.
 */
function avgPool2dBackwardDisjoint(
  grad: usize, dx: usize, planes: i32, H: i32, W: i32, OH: i32, OW: i32,
  kH: i32, kW: i32, sH: i32, sW: i32, pH: i32, pW: i32, includePad: bool,
): void {
  if (sH > kH || sW > kW) memory.fill(dx, 0, <usize>(planes * H * W) << 2);
  let o = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = plane * H * W;
    for (let i = 0; i < OH; i++) {
      const rowLo = max(i * sH - pH, 0), rowHi = min(i * sH - pH + kH, H);
      for (let j = 0; j < OW; j++, o++) {
        const colLo = max(j * sW - pW, 0), colHi = min(j * sW - pW + kW, W);
        const share = <f64>load<f32>(at(grad, o)) / divisor(rowHi - rowLo, colHi - colLo, kH, kW, includePad);
        const value = <f32>(<f64>0 + share);
        for (let r = rowLo; r < rowHi; r++) {
          for (let c = colLo; c < colHi; c++) store<f32>(at(dx, base + r * W + c), value);
        }
      }
    }
  }
}

/** The first window (along one axis) holding position `p`: the least `i ≥ 0` with `i·s − pad + k > p`. */
@inline function firstWindow(p: i32, k: i32, s: i32, pad: i32): i32 {
  const n = p + pad - k + 1;
  return n <= 0 ? 0 : (n + s - 1) / s;
}
