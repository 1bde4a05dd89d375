// Backward of dense layers, and the two matrix products every backward pass
// is built on (Goodfellow et al. 2016, "Deep Learning", 6.5):
//   dX = dY . W^T      one gemmF32 against W^T, packed per call;
//   dW = X^T . dY      the transposed-A product gemmTransAF32 below.
// Both run on the forward GEMM microkernel (kernels/dense.ts), so the
// backward pass is as fast as the forward one wherever it is a GEMM.
// Weights arrive raw (row-major, as the optimiser updates them), never packed.

import { gemmF32, gemmPackedBytes, packGemmF32, GEMM_NR } from '../kernels/dense';
import { accumulateF32 } from '../kernels/vector';
import { ACT_NONE } from '../kernels/activation';

/** Rows of A (and of B) gemmTransAF32 transposes and packs per pass. */
const TRANS_A_ROWS: i32 = 256;

/**
 * Packs B = w^T as a k x n GEMM operand (packGemmF32 layout, zero bias):
 * B[r][c] = w[c * wRowStride + r], i.e. w holds n rows of (at least) k floats.
 */
export function packGemmTransposedF32(w: usize, wRowStride: i32, packed: usize, k: i32, n: i32): void {
  const panels = (n + GEMM_NR - 1) / GEMM_NR;
  const rowBytes = <usize>wRowStride << 2;
  let out = packed;
  for (let p = 0; p < panels; p++) {
    const col0 = p * GEMM_NR;
    memory.fill(out, 0, <usize>GEMM_NR << 2);
    out += <usize>GEMM_NR << 2;
    const live = min(GEMM_NR, n - col0);
    if (live == GEMM_NR) {
      const src = w + <usize>col0 * rowBytes;
      for (let r = 0; r < k; r++) {
        const s = src + (<usize>r << 2);
        store<f32>(out, load<f32>(s));
        store<f32>(out, load<f32>(s + rowBytes), 4);
        store<f32>(out, load<f32>(s + 2 * rowBytes), 8);
        store<f32>(out, load<f32>(s + 3 * rowBytes), 12);
        store<f32>(out, load<f32>(s + 4 * rowBytes), 16);
        store<f32>(out, load<f32>(s + 5 * rowBytes), 20);
        store<f32>(out, load<f32>(s + 6 * rowBytes), 24);
        store<f32>(out, load<f32>(s + 7 * rowBytes), 28);
        out += 32;
      }
    } else {
      for (let r = 0; r < k; r++) {
        for (let j = 0; j < GEMM_NR; j++) {
          const col = col0 + j;
          store<f32>(out, col < n ? load<f32>(w + <usize>col * rowBytes + (<usize>r << 2)) : 0);
          out += 4;
        }
      }
    }
  }
}

/** Scratch bytes of gemmTransAF32 for a p x q result. */
export function gemmTransAScratchBytes(p: i32, q: i32): i32 {
  return ((p * TRANS_A_ROWS + p * q) << 2) + gemmPackedBytes(TRANS_A_ROWS, q);
}

/**
 * c[p][q] = sum over r < rows of a[r][p] * b[r][q] (or += when accumulate
 * != 0); a is rows x p with row stride lda, b rows x q with ldb, c p x q
 * with ldc. Passes of TRANS_A_ROWS rows: the a block is transposed and the
 * b block packed into scratch, then one gemmF32 runs on them, so the inner
 * loop is the forward microkernel with a reduction over batch rows.
 */
export function gemmTransAF32(
  a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32,
  rows: i32, p: i32, q: i32, accumulate: i32, scratch: usize,
): void {
  const at = scratch;
  const tmp = at + (<usize>(p * TRANS_A_ROWS) << 2);
  const packed = tmp + (<usize>(p * q) << 2);
  if (rows <= 0) {
    if (accumulate == 0) for (let i = 0; i < p; i++) memory.fill(c + ((<usize>i * <usize>ldc) << 2), 0, <usize>q << 2);
    return;
  }
  for (let r0 = 0; r0 < rows; r0 += TRANS_A_ROWS) {
    const t = min(TRANS_A_ROWS, rows - r0);
    transposeBlockF32(a + ((<usize>r0 * <usize>lda) << 2), lda, at, t, p);
    packGemmF32(b + ((<usize>r0 * <usize>ldb) << 2), ldb, 0, packed, t, q);
    if (accumulate == 0 && r0 == 0) {
      gemmF32(at, t, packed, c, ldc, p, q, t, ACT_NONE, 0, 0);
    } else {
      gemmF32(at, t, packed, tmp, q, p, q, t, ACT_NONE, 0, 0);
      for (let i = 0; i < p; i++) accumulateF32(tmp + ((<usize>(i * q)) << 2), c + ((<usize>i * <usize>ldc) << 2), q);
    }
  }
}

/** dst[i][r] = src[r][i] for r < rows, i < cols; dst rows are `rows` floats long. */
function transposeBlockF32(src: usize, lds: i32, dst: usize, rows: i32, cols: i32): void {
  const srcRow = <usize>lds << 2;
  const dstRow = <usize>rows << 2;
  let r = 0;
  if (ASC_FEATURE_SIMD) {
    // 4 x 4 blocks: four row loads, a shuffle network, four column stores.
    for (; r + 4 <= rows; r += 4) {
      const s0 = src + <usize>r * srcRow;
      let i = 0;
      for (; i + 4 <= cols; i += 4) {
        const o = <usize>i << 2;
        const x0 = v128.load(s0 + o);
        const x1 = v128.load(s0 + srcRow + o);
        const x2 = v128.load(s0 + 2 * srcRow + o);
        const x3 = v128.load(s0 + 3 * srcRow + o);
        const t0 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
        const t1 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
        const t2 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
        const t3 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
        const d = dst + <usize>i * dstRow + (<usize>r << 2);
        v128.store(d, i64x2.shuffle(t0, t1, 0, 2));
        v128.store(d + dstRow, i64x2.shuffle(t0, t1, 1, 3));
        v128.store(d + 2 * dstRow, i64x2.shuffle(t2, t3, 0, 2));
        v128.store(d + 3 * dstRow, i64x2.shuffle(t2, t3, 1, 3));
      }
      for (; i < cols; i++) {
        const d = dst + <usize>i * dstRow + (<usize>r << 2);
        const s = s0 + (<usize>i << 2);
        store<f32>(d, load<f32>(s));
        store<f32>(d, load<f32>(s + srcRow), 4);
        store<f32>(d, load<f32>(s + 2 * srcRow), 8);
        store<f32>(d, load<f32>(s + 3 * srcRow), 12);
      }
    }
  }
  for (; r < rows; r++) {
    const s = src + <usize>r * srcRow;
    const d = dst + (<usize>r << 2);
    for (let i = 0; i < cols; i++) store<f32>(d + <usize>i * dstRow, load<f32>(s + (<usize>i << 2)));
  }
}

/** y[j] = sum over r < rows of x[r][j] (row stride ld), j < cols: the bias gradient. */
export function columnSumF32(x: usize, rows: i32, cols: i32, ld: i32, y: usize): void {
  memory.fill(y, 0, <usize>cols << 2);
  const rowBytes = <usize>ld << 2;
  for (let r = 0; r < rows; r++) accumulateF32(x + <usize>r * rowBytes, y, cols);
}

/** Scratch bytes of denseBackwardF32. */
export function denseBackwardScratchBytes(m: i32, n: i32, k: i32): i32 {
  return max(gemmPackedBytes(n, k), gemmTransAScratchBytes(k, n));
}

/**
 * Backward of y[m][n] = x[m][k] . w[k][n] + b: dx = dy . w^T, dw = x^T . dy,
 * db = column sums of dy. Any of dx, dw, db may be 0 (not wanted). dy is
 * the gradient of the pre-activation output (the trainer applies a fused
 * activation's derivative first).
 */
export function denseBackwardF32(
  x: usize, w: usize, dy: usize, dx: usize, dw: usize, db: usize,
  m: i32, n: i32, k: i32, scratch: usize,
): void {
  if (dx != 0) {
    packGemmTransposedF32(w, n, scratch, n, k);
    gemmF32(dy, n, scratch, dx, k, m, k, n, ACT_NONE, 0, 0);
  }
  if (dw != 0) gemmTransAF32(x, k, dy, n, dw, n, m, k, n, 0, scratch);
  if (db != 0) columnSumF32(dy, m, n, n, db);
}
