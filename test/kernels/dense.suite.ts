// gemmF32 / denseF32 against the f64 reference, on both builds.
import { test } from 'uvu';
import { BUILDS, makeHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';
import { denseRef } from '../reference/dense.ts';
import { activationAbi, ALL_ACTIVATIONS } from '../reference/activation.ts';

// Rows below, at and above the 4-row tile; columns below, at and above the
// 8-column panel (and two panels for the 1-row path); odd reductions.
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 8, 3], [1, 16, 5], [1, 17, 9], [2, 7, 1], [3, 9, 13], [4, 8, 8], [4, 24, 16],
  [5, 13, 7], [7, 31, 33], [8, 64, 64], [9, 3, 100], [13, 40, 1], [1, 256, 256], [6, 1, 17],
  // Last tiles of 2 and 3 rows (aliased rows in the 4-row kernel) after full ones.
  [10, 17, 4], [11, 24, 9], [14, 64, 192],
];

for (const build of BUILDS) {
  test(`dense: shapes and bias, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(1);
    for (const [m, n, k] of SHAPES) {
      for (const withBias of [true, false]) {
        h.reset();
        const x = rng.floats(m * k);
        const w = rng.floats(k * n);
        const b = rng.floats(n);
        const packed = h.alloc(h.call('gemmPackedBytes', k, n));
        h.call('packGemmF32', h.put(w), n, withBias ? h.put(b) : 0, packed, k, n);
        const y = h.alloc(m * n * 4);
        h.call('denseF32', h.put(x), packed, y, m, n, k, 0, 0, 0);
        const want = denseRef(x, w, withBias ? b : null, m, n, k);
        assertClose(h.getF32(y, m * n), want, { rtol: sumTolerance(k), label: `dense bias=${withBias}`, shape: [m, n, k], build });
      }
    }
  });

  test(`dense: fused activations, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(2);
    for (const act of ALL_ACTIVATIONS) {
      for (const [m, n, k] of [[5, 13, 7], [1, 9, 4]] as const) {
        h.reset();
        const x = rng.floats(m * k, 2);
        const w = rng.floats(k * n);
        const b = rng.floats(n);
        const packed = h.alloc(h.call('gemmPackedBytes', k, n));
        h.call('packGemmF32', h.put(w), n, h.put(b), packed, k, n);
        const y = h.alloc(m * n * 4);
        const [code, p0, p1] = activationAbi(act);
        h.call('denseF32', h.put(x), packed, y, m, n, k, code, p0, p1);
        assertClose(h.getF32(y, m * n), denseRef(x, w, b, m, n, k, act), { rtol: sumTolerance(k) * 4, atol: 1e-6, label: `dense ${act.kind}`, shape: [m, n, k], build });
      }
    }
  });

  test(`gemm: a last tile of 1-3 rows writes only its own rows, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(4);
    for (const m of [1, 2, 3, 5, 6, 7]) {
      h.reset();
      const [n, k, ldc] = [12, 6, 13];
      const packed = h.alloc(h.call('gemmPackedBytes', k, n));
      h.call('packGemmF32', h.put(rng.floats(k * n)), n, 0, packed, k, n);
      // Four sentinel rows after the m output rows.
      const c = h.put(new Float32Array((m + 4) * ldc).fill(-7));
      h.call('gemmF32', h.put(rng.floats(m * k)), k, packed, c, ldc, m, n, k, 0, 0, 0);
      const after = h.getF32(c + m * ldc * 4, 4 * ldc);
      if (after.some((v) => v !== -7)) throw new Error(`gemm m=${m} wrote past its last row (${build})`);
    }
  });

  test(`gemm: strided views (lda, ldc, packed column slice), ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(3);
    const [m, n, k, lda, ldc, wStride, col0] = [6, 11, 5, 9, 15, 20, 4];
    const x = rng.floats(m * lda);
    const wFull = rng.floats(k * wStride);
    const packed = h.alloc(h.call('gemmPackedBytes', k, n));
    h.call('packGemmF32', h.put(wFull) + col0 * 4, wStride, 0, packed, k, n);
    const c = h.put(new Float32Array(m * ldc).fill(-7));
    h.call('gemmF32', h.put(x), lda, packed, c, ldc, m, n, k, 0, 0, 0);
    const got = h.getF32(c, m * ldc);
    const xs = new Float32Array(m * k);
    const ws = new Float32Array(k * n);
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) xs[i * k + p] = x[i * lda + p];
    for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) ws[p * n + j] = wFull[p * wStride + col0 + j];
    const want = denseRef(xs, ws, null, m, n, k);
    const gotDense = new Float32Array(m * n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) gotDense[i * n + j] = got[i * ldc + j];
      // Columns past n in each c row must be untouched.
      for (let j = n; j < ldc; j++) if (got[i * ldc + j] !== -7) throw new Error(`gemm wrote past n at row ${i} col ${j} (${build})`);
    }
    assertClose(gotDense, want, { rtol: sumTolerance(k), label: 'gemm strided', shape: [m, n, k], build });
  });
}

test.run();
