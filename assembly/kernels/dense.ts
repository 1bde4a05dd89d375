// Dense layers and the GEMM every other heavy kernel (1x1 conv, im2col conv,
// recurrent input projections) is built on.
//
// Weights are packed once, at load time, into panels of NR = 8 output
// columns: per panel, 8 bias values followed by k rows of 8 weights, zero
// padded past n. The microkernel then streams one panel with unit stride, and
// the bias initialises the accumulators for free (XNNPACK's packed layout).
//
// SIMD microkernel: 4 rows x 8 columns = 8 f32x4 accumulators + 2 weight
// vectors + 1 broadcast = 11 of the 16 SIMD registers wasm engines map to on
// x64, so nothing spills. The scalar twin reads the same packed layout.

import { applyActivationF32, ACT_NONE, ACT_RELU, ACT_CLIP } from './activation';
import { mulAdd } from './mul-add';

export const GEMM_NR: i32 = 8;
export const GEMM_MR: i32 = 4;

// Staging for a partial last panel (n % 8 != 0): the microkernel always
// computes 8 columns and copies the live ones out.
const tileScratch: usize = memory.data(4 * 8 * 4, 16);

/** Packed size in bytes of a k x n weight matrix. */
export function gemmPackedBytes(k: i32, n: i32): i32 {
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  return panels * GEMM_NR * (k + 1) * 4;
}

/**
 * Packs row-major w[k][n] (and bias[n], or none when bias == 0) into panels.
 * `wRowStride` is the distance in floats between rows of w, so a column slice
 * of a wider matrix (one group of a grouped conv) packs without a copy.
 */
export function packGemmF32(w: usize, wRowStride: i32, bias: usize, packed: usize, k: i32, n: i32): void {
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  let out = packed;
  for (let p = 0; p < panels; p++) {
    const col0 = p * GEMM_NR;
    for (let j = 0; j < GEMM_NR; j++) {
      const col = col0 + j;
      store<f32>(out, col < n && bias != 0 ? load<f32>(bias + (<usize>col << 2)) : 0);
      out += 4;
    }
    // Full panels copy rows of 8 floats as they are (packing runs once, at
    // load, but on engines' baseline code: it is part of cold start).
    const full = col0 + GEMM_NR <= n;
    let row = w + (<usize>col0 << 2);
    const rowBytes = <usize>wRowStride << 2;
    for (let r = 0; r < k; r++) {
      if (full) {
        if (ASC_FEATURE_SIMD) {
          v128.store(out, v128.load(row));
          v128.store(out, v128.load(row, 16), 16);
        } else {
          store<u64>(out, load<u64>(row));
          store<u64>(out, load<u64>(row, 8), 8);
          store<u64>(out, load<u64>(row, 16), 16);
          store<u64>(out, load<u64>(row, 24), 24);
        }
      } else {
        for (let j = 0; j < GEMM_NR; j++) {
          store<f32>(out + (<usize>j << 2), col0 + j < n ? load<f32>(row + (<usize>j << 2)) : 0);
        }
      }
      out += GEMM_NR << 2;
      row += rowBytes;
    }
  }
}

/**
 * c[m][n] = act(a[m][k] . W[k][n] + bias), with W packed by packGemmF32.
 * lda / ldc are row strides in floats (a and c may be views into wider rows).
 */
export function gemmF32(
  a: usize, lda: i32, packed: usize, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, act: i32, p0: f32, p1: f32,
): void {
  if (ASC_FEATURE_SIMD) {
    // ReLU and clip are a min/max on the accumulators before they are
    // stored (no second pass over c); other activations run after.
    gemmSimd(a, lda, packed, c, ldc, m, n, k, clipLow(act, p0), clipHigh(act, p1));
    if (isClip(act)) return;
  } else {
    gemmScalar(a, lda, packed, c, ldc, m, n, k);
  }
  activateRows(c, ldc, m, n, act, p0, p1);
}

function activateRows(c: usize, ldc: i32, m: i32, n: i32, act: i32, p0: f32, p1: f32): void {
  if (act == ACT_NONE) return;
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    applyActivationF32(row, row, n, act, p0, p1);
  }
}

// Fused epilogue bounds: relu is clip(0, +inf), no activation clip(-inf,
// +inf) (exact, NaN included).
// @ts-ignore: decorator
@inline function isClip(act: i32): bool {
  return act == ACT_RELU || act == ACT_CLIP;
}

// @ts-ignore: decorator
@inline function clipLow(act: i32, p0: f32): f32 {
  return act == ACT_CLIP ? p0 : act == ACT_RELU ? 0 : -Infinity;
}

// @ts-ignore: decorator
@inline function clipHigh(act: i32, p1: f32): f32 {
  return act == ACT_CLIP ? p1 : Infinity;
}

/** A dense layer over m rows: the GEMM with contiguous rows. */
export function denseF32(x: usize, packed: usize, y: usize, m: i32, n: i32, k: i32, act: i32, p0: f32, p1: f32): void {
  gemmF32(x, k, packed, y, n, m, n, k, act, p0, p1);
}

// @ts-ignore: decorator
@inline function storeTileRow(dst: usize, cols: i32, v0123: v128, v4567: v128, lo: v128, hi: v128): void {
  // pmax/pmin are one x64 instruction each (max/min need a NaN- and
  // signed-zero-exact sequence, which cost 8-18% of a k = 27..64 GEMM).
  // NaN stays NaN: pmax(NaN, lo) and pmin(NaN, hi) return their first operand.
  v0123 = f32x4.pmin(f32x4.pmax(v0123, lo), hi);
  v4567 = f32x4.pmin(f32x4.pmax(v4567, lo), hi);
  if (cols >= 8) {
    v128.store(dst, v0123);
    v128.store(dst, v4567, 16);
  } else {
    v128.store(tileScratch, v0123);
    v128.store(tileScratch, v4567, 16);
    memory.copy(dst, tileScratch, <usize>cols << 2);
  }
}

// One 4x8 tile: rows a0..a3 (aliases of a real row when m % 4 leaves fewer;
// their sums are computed and dropped) against the panel at w, stored to
// `rows` rows from c0. The k loop is deliberately not unrolled: V8 schedules
// an unrolled body accumulator by accumulator, runs out of the 16 SIMD
// registers and spills (measured 0.7x), while this body compiles to 6 loads,
// 8 mul and 8 add with everything in registers.
//
// Each A row may be `segs` runs of segLen floats, run s + 1 starting
// segJump bytes after the end of run s, against consecutive rows of the
// panel starting wSkip bytes after its first row: that is how a convolution
// reads its patches straight from the input image (one run per kernel row)
// instead of copying them (conv.ts). A plain GEMM is one run of k.
// @ts-ignore: decorator
@inline function gemmTile4x8(
  a0: usize, a1: usize, a2: usize, a3: usize, panel: usize, wSkip: usize, c0: usize, cStride: usize, rows: i32, cols: i32,
  segLen: i32, segs: i32, segJump: usize, lo: v128, hi: v128,
): void {
  let w = panel;
  let acc0x0123 = v128.load(w);
  let acc0x4567 = v128.load(w, 16);
  let acc1x0123 = acc0x0123;
  let acc1x4567 = acc0x4567;
  let acc2x0123 = acc0x0123;
  let acc2x4567 = acc0x4567;
  let acc3x0123 = acc0x0123;
  let acc3x4567 = acc0x4567;
  w += 32 + wSkip;
  // Row pointers advance with the loop (and the run's end in the panel
  // bounds it), so the engine keeps them in registers instead of
  // recomputing a0 + k*4 from spilled values every step.
  for (let seg = 0; seg < segs; seg++) {
    const wEnd = w + (<usize>segLen << 5);
    while (w < wEnd) {
      const b0123 = v128.load(w);
      const b4567 = v128.load(w, 16);
      w += 32;
      let va = v128.load32_splat(a0);
      acc0x0123 = mulAdd(va, b0123, acc0x0123);
      acc0x4567 = mulAdd(va, b4567, acc0x4567);
      va = v128.load32_splat(a1);
      acc1x0123 = mulAdd(va, b0123, acc1x0123);
      acc1x4567 = mulAdd(va, b4567, acc1x4567);
      va = v128.load32_splat(a2);
      acc2x0123 = mulAdd(va, b0123, acc2x0123);
      acc2x4567 = mulAdd(va, b4567, acc2x4567);
      va = v128.load32_splat(a3);
      acc3x0123 = mulAdd(va, b0123, acc3x0123);
      acc3x4567 = mulAdd(va, b4567, acc3x4567);
      a0 += 4;
      a1 += 4;
      a2 += 4;
      a3 += 4;
    }
    a0 += segJump;
    a1 += segJump;
    a2 += segJump;
    a3 += segJump;
  }
  storeTileRow(c0, cols, acc0x0123, acc0x4567, lo, hi);
  if (rows > 1) storeTileRow(c0 + cStride, cols, acc1x0123, acc1x4567, lo, hi);
  if (rows > 2) storeTileRow(c0 + 2 * cStride, cols, acc2x0123, acc2x4567, lo, hi);
  if (rows > 3) storeTileRow(c0 + 3 * cStride, cols, acc3x0123, acc3x4567, lo, hi);
}

function gemmSimd(a: usize, lda: i32, packed: usize, c: usize, ldc: i32, m: i32, n: i32, k: i32, low: f32, high: f32): void {
  const lo = f32x4.splat(low);
  const hi = f32x4.splat(high);
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  const panelBytes = <usize>(GEMM_NR * (k + 1)) << 2;
  const aStride = <usize>lda << 2;
  const cStride = <usize>ldc << 2;
  // Full 4-row tiles, then a last tile of 2 or 3 rows through the same
  // kernel with the missing rows aliased to the last real one (4 rows cost
  // the same time as 2, while one row at a time would stream W again per
  // row). A single leftover row takes the GEMV path below.
  let i = 0;
  for (; i + 1 < m; i += GEMM_MR) {
    const rows = min(GEMM_MR, m - i);
    const a0 = a + <usize>i * aStride;
    const a1 = a0 + aStride;
    const a2 = rows > 2 ? a1 + aStride : a1;
    const a3 = rows > 3 ? a2 + aStride : a2;
    const c0 = c + <usize>i * cStride;
    for (let p = 0; p < panels; p++) {
      gemmTile4x8(a0, a1, a2, a3, packed + <usize>p * panelBytes, 0, c0 + (<usize>(p * GEMM_NR) << 2), cStride, rows, n - p * GEMM_NR, k, 1, 0, lo, hi);
    }
  }
  // A last single row (m % 4 == 1, and m == 1: GEMV): memory-bound, so two
  // panels per pass keep four independent add chains in flight and every
  // weight is read once. The multiply stays apart from the add here, also
  // in the relaxed build: with four chains the loop waits on their latency,
  // and a fused multiply-add's is longer than an add's (measured 0.87x
  // fused on the 256x256 GEMV).
  for (; i < m; i++) {
    const a0 = a + <usize>i * aStride;
    const c0 = c + <usize>i * cStride;
    let p = 0;
    for (; p + 2 <= panels; p += 2) {
      let w = packed + <usize>p * panelBytes;
      let v = w + panelBytes;
      let accA0123 = v128.load(w);
      let accA4567 = v128.load(w, 16);
      let accB0123 = v128.load(v);
      let accB4567 = v128.load(v, 16);
      w += 32;
      v += 32;
      let ap = a0;
      const wEnd = w + (<usize>k << 5);
      while (w < wEnd) {
        const va = v128.load32_splat(ap);
        accA0123 = f32x4.add(accA0123, f32x4.mul(va, v128.load(w)));
        accA4567 = f32x4.add(accA4567, f32x4.mul(va, v128.load(w, 16)));
        accB0123 = f32x4.add(accB0123, f32x4.mul(va, v128.load(v)));
        accB4567 = f32x4.add(accB4567, f32x4.mul(va, v128.load(v, 16)));
        ap += 4;
        w += 32;
        v += 32;
      }
      const cp = c0 + (<usize>(p * GEMM_NR) << 2);
      storeTileRow(cp, n - p * GEMM_NR, accA0123, accA4567, lo, hi);
      storeTileRow(cp + 32, n - (p + 1) * GEMM_NR, accB0123, accB4567, lo, hi);
    }
    if (p < panels) {
      let w = packed + <usize>p * panelBytes;
      let acc0123 = v128.load(w);
      let acc4567 = v128.load(w, 16);
      w += 32;
      let ap = a0;
      const wEnd = w + (<usize>k << 5);
      while (w < wEnd) {
        const va = v128.load32_splat(ap);
        acc0123 = f32x4.add(acc0123, f32x4.mul(va, v128.load(w)));
        acc4567 = f32x4.add(acc4567, f32x4.mul(va, v128.load(w, 16)));
        ap += 4;
        w += 32;
      }
      storeTileRow(c0 + (<usize>(p * GEMM_NR) << 2), n - p * GEMM_NR, acc0123, acc4567, lo, hi);
    }
  }
}

/**
 * c[m][n] = act(a.W + bias) where each row of a is `segs` runs of segLen floats,
 * run s of row i at a + i*lda + s*segStride (floats), multiplied with the
 * packed rows firstRow .. firstRow + segs*segLen - 1 of a matrix packed by
 * packGemmF32 with kTotal rows. A convolution reads its patches in place
 * this way, one run per kernel row (conv.ts). SIMD build only.
 */
export function gemmSegmentsF32(
  a: usize, lda: i32, segStride: i32, segs: i32, segLen: i32, packed: usize, kTotal: i32, firstRow: i32,
  c: usize, ldc: i32, m: i32, n: i32, act: i32, p0: f32, p1: f32,
): void {
  if (ASC_FEATURE_SIMD) {
    gemmSegmentsSimd(a, lda, segStride, segs, segLen, packed, kTotal, firstRow, c, ldc, m, n, f32x4.splat(clipLow(act, p0)), f32x4.splat(clipHigh(act, p1)));
    if (!isClip(act)) activateRows(c, ldc, m, n, act, p0, p1);
  }
}

function gemmSegmentsSimd(
  a: usize, lda: i32, segStride: i32, segs: i32, segLen: i32, packed: usize, kTotal: i32, firstRow: i32,
  c: usize, ldc: i32, m: i32, n: i32, lo: v128, hi: v128,
): void {
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  const panelBytes = <usize>(GEMM_NR * (kTotal + 1)) << 2;
  const aStride = <usize>lda << 2;
  const cStride = <usize>ldc << 2;
  const segJump = <usize>(segStride - segLen) << 2;
  const wSkip = <usize>firstRow << 5;
  // Every row group, the last one too (1 to 4 rows, missing rows aliased):
  // a single conv row is rare and short, so no separate GEMV path.
  for (let i = 0; i < m; i += GEMM_MR) {
    const rows = min(GEMM_MR, m - i);
    const a0 = a + <usize>i * aStride;
    const a1 = rows > 1 ? a0 + aStride : a0;
    const a2 = rows > 2 ? a1 + aStride : a1;
    const a3 = rows > 3 ? a2 + aStride : a2;
    const c0 = c + <usize>i * cStride;
    for (let p = 0; p < panels; p++) {
      gemmTile4x8(a0, a1, a2, a3, packed + <usize>p * panelBytes, wSkip, c0 + (<usize>(p * GEMM_NR) << 2), cStride, rows, n - p * GEMM_NR, segLen, segs, segJump, lo, hi);
    }
  }
}

function gemmScalar(a: usize, lda: i32, packed: usize, c: usize, ldc: i32, m: i32, n: i32, k: i32): void {
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  const panelBytes = <usize>(GEMM_NR * (k + 1)) << 2;
  for (let i = 0; i < m; i++) {
    const a0 = a + ((<usize>i * <usize>lda) << 2);
    const c0 = c + ((<usize>i * <usize>ldc) << 2);
    for (let p = 0; p < panels; p++) {
      let w = packed + <usize>p * panelBytes;
      let s0 = load<f32>(w), s1 = load<f32>(w, 4), s2 = load<f32>(w, 8), s3 = load<f32>(w, 12);
      let s4 = load<f32>(w, 16), s5 = load<f32>(w, 20), s6 = load<f32>(w, 24), s7 = load<f32>(w, 28);
      w += 32;
      for (let kk = 0; kk < k; kk++) {
        const av = load<f32>(a0 + (<usize>kk << 2));
        s0 += av * load<f32>(w); s1 += av * load<f32>(w, 4);
        s2 += av * load<f32>(w, 8); s3 += av * load<f32>(w, 12);
        s4 += av * load<f32>(w, 16); s5 += av * load<f32>(w, 20);
        s6 += av * load<f32>(w, 24); s7 += av * load<f32>(w, 28);
        w += 32;
      }
      const col0 = p * GEMM_NR;
      const cols = n - col0;
      const cp = c0 + (<usize>col0 << 2);
      store<f32>(cp, s0);
      if (cols > 1) store<f32>(cp, s1, 4);
      if (cols > 2) store<f32>(cp, s2, 8);
      if (cols > 3) store<f32>(cp, s3, 12);
      if (cols > 4) store<f32>(cp, s4, 16);
      if (cols > 5) store<f32>(cp, s5, 20);
      if (cols > 6) store<f32>(cp, s6, 24);
      if (cols > 7) store<f32>(cp, s7, 28);
    }
  }
}
