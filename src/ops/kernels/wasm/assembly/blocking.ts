/**
 * Blocking constants of the WASM GEMM (Goto & van de Geijn, "Anatomy of High-Performance Matrix
 * Multiplication", ACM TOMS 2008), and the layout of a caller's packing scratch.
 *
 * - `MR×NR` is the register tile of the micro-kernel: `MR` rows of `op(A)` times `NR` columns of
 *   `op(B)`, held as `MR·NR/4` f32x4 accumulators.
 * - `KC` is the depth of one packed block (the micro-kernel's loop length); a `KC×NR` panel of
 *   `op(B)` (8 KiB) stays in L1 while the `MC×KC` block of `op(A)` (96 KiB) streams from L2.
 * - `NC` is the number of columns of `op(B)` packed at once (a 1 MiB block).
 *
 * Measured at n = 512 and 1024 (`KC` 128…512, `MC` 64…192, `NC` 512 or 1024): all within a few
 * percent of each other except `KC = 128` (about 10% slower); these are in the flat middle.
 */

/** Rows of `op(A)` per register tile. */
export const MR: i32 = 4;
/** Columns of `op(B)` per register tile (two f32x4 vectors). */
export const NR: i32 = 8;
/** Depth of a packed block. */
export const KC: i32 = 256;
/** Rows of `op(A)` packed at once (a multiple of `MR`). */
export const MC: i32 = 96;
/** Columns of `op(B)` packed at once (a multiple of `NR`). */
export const NC: i32 = 1024;

/** Bytes of the packed `MC×KC` block of `op(A)`. */
export const PACKED_A_BYTES: i32 = MC * KC * 4;
/** Bytes of the packed `KC×NC` block of `op(B)`. */
export const PACKED_B_BYTES: i32 = KC * NC * 4;
/** Bytes of the staging tile for clipped edge tiles. */
export const TILE_BYTES: i32 = MR * NR * 4;

/** Bytes of scratch one concurrent caller of `gemm` needs: packed A, packed B, edge tile. */
export const SCRATCH_BYTES: i32 = PACKED_A_BYTES + PACKED_B_BYTES + TILE_BYTES;
