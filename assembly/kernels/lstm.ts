// LSTM over a whole sequence, ONNX semantics (operator LSTM, opset 14): gate
// order i, o, f, c; f = sigmoid, g = h = tanh; no peepholes, no clipping,
// input_forget = 0.
//   i  = f(x.Wi + h.Ri + Wbi + Rbi)
//   o  = f(x.Wo + h.Ro + Wbo + Rbo)
//   f  = f(x.Wf + h.Rf + Wbf + Rbf)
//   c~ = g(x.Wc + h.Rc + Wbc + Rbc)
//   c' = f*c + i*c~,  h' = o*h(c')
//
// Same structure as gru.ts: one GEMM projects every step's input
// ([n*t, I] x [I, 4H], both biases folded into its packed bias), then one
// GEMV-sized GEMM per step against R [H, 4H]. The ONNX gate order puts the
// three sigmoid gates first, so each row takes one sigmoid call over 3H.
//
// h lives in the output (y[b, s] for sequences, y[b] for the last state);
// c lives in scratch.

import { gemmF32, gemmPackedBytes, packGemmF32 } from './dense';
import { sigmoidF32, tanhF32, ACT_NONE } from './activation';
import { addPackedBiasF32 } from './gru';
import { accumulateF32 } from './vector';
import { mulAdd } from './mul-add';

/** Packed bytes of the input weights W [I, 4H] (with both biases folded). */
export function lstmPackedWBytes(inSize: i32, hidden: i32): i32 {
  return gemmPackedBytes(inSize, 4 * hidden);
}

/** Packed bytes of the recurrent weights R [H, 4H]. */
export function lstmPackedRBytes(hidden: i32): i32 {
  return gemmPackedBytes(hidden, 4 * hidden);
}

/**
 * Scratch for lstmF32: the projections of all steps [n*t, 4H], the step's
 * recurrent terms [n, 4H], the cell state [n, H] and a zero initial h [n, H].
 */
export function lstmScratchBytes(n: i32, t: i32, hidden: i32): i32 {
  return (n * t * 4 * hidden + n * 4 * hidden + 2 * n * hidden) << 2;
}

/** Packs W [I, 4H] (row-major, columns i|o|f|c) with bias bW + bR; either may be 0. */
export function packLstmInputF32(w: usize, bW: usize, bR: usize, packed: usize, inSize: i32, hidden: i32): void {
  const n4 = 4 * hidden;
  packGemmF32(w, n4, bW, packed, inSize, n4);
  if (bR != 0) addPackedBiasF32(packed, inSize, 0, n4, bR);
}

/** Packs R [H, 4H] (row-major, columns i|o|f|c); its biases live in the input pack. */
export function packLstmRecurrentF32(r: usize, packed: usize, hidden: i32): void {
  packGemmF32(r, 4 * hidden, 0, packed, hidden, 4 * hidden);
}

/** c[k] = f[k]*c[k] + i[k]*cc[k], in place on the cell state. */
function lstmCellF32(i: usize, f: usize, cc: usize, c: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= count; k += 4) {
      const o = <usize>k << 2;
      v128.store(c + o, mulAdd(v128.load(i + o), v128.load(cc + o), f32x4.mul(v128.load(f + o), v128.load(c + o))));
    }
  }
  for (; k < count; k++) {
    const o = <usize>k << 2;
    store<f32>(c + o, load<f32>(f + o) * load<f32>(c + o) + load<f32>(i + o) * load<f32>(cc + o));
  }
}

/** h[k] = o[k] * tc[k]. */
function lstmOutputF32(o: usize, tc: usize, h: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= count; k += 4) {
      const p = <usize>k << 2;
      v128.store(h + p, f32x4.mul(v128.load(o + p), v128.load(tc + p)));
    }
  }
  for (; k < count; k++) {
    const p = <usize>k << 2;
    store<f32>(h + p, load<f32>(o + p) * load<f32>(tc + p));
  }
}

/**
 * Runs an LSTM over x [n, t, I]. h0, c0 [n, H] or 0 for zeros. y is
 * [n, t, H] (every step's h, in time order also when reverse) when
 * returnSequences != 0, else [n, H] (h after the whole sequence). Weights
 * packed by packLstmInputF32 / packLstmRecurrentF32; scratch of
 * lstmScratchBytes(n, t, hidden).
 */
export function lstmF32(
  x: usize, packedW: usize, packedR: usize, h0: usize, c0: usize, y: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32,
): void {
  const H = hidden;
  const n4 = 4 * H;
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  const xproj = scratch;
  const gates = xproj + (<usize>(n * t * n4) << 2);
  const cell = gates + (<usize>(n * n4) << 2);
  const zeros = cell + stateBytes;

  gemmF32(x, inSize, packedW, xproj, n4, n * t, n4, inSize, ACT_NONE, 0, 0);

  if (c0 != 0) memory.copy(cell, c0, stateBytes);
  else memory.fill(cell, 0, stateBytes);
  let hPrev: usize;
  let ldPrev: i32 = H;
  let ldOut: i32;
  if (returnSequences != 0) {
    ldOut = t * H;
    if (h0 != 0) {
      hPrev = h0;
    } else {
      memory.fill(zeros, 0, stateBytes);
      hPrev = zeros;
    }
  } else {
    ldOut = H;
    if (h0 != 0) memory.copy(y, h0, stateBytes);
    else memory.fill(y, 0, stateBytes);
    hPrev = y;
  }

  const rowBytes = <usize>n4 << 2;
  for (let step = 0; step < t; step++) {
    const s = reverse != 0 ? t - 1 - step : step;
    const hOut = returnSequences != 0 ? y + (<usize>(s * H) << 2) : y;
    const outStride = <usize>ldOut << 2;
    gemmF32(hPrev, ldPrev, packedR, gates, n4, n, n4, H, ACT_NONE, 0, 0);
    for (let b = 0; b < n; b++) {
      const g = gates + <usize>b * rowBytes;
      const gi = g;
      const go = g + hBytes;
      const gf = g + 2 * hBytes;
      const gc = g + 3 * hBytes;
      const c = cell + <usize>b * hBytes;
      accumulateF32(xproj + <usize>(b * t + s) * rowBytes, g, n4);
      sigmoidF32(g, g, 3 * H);
      tanhF32(gc, gc, H);
      lstmCellF32(gi, gf, gc, c, H);
      tanhF32(c, gc, H);
      lstmOutputF32(go, gc, hOut + <usize>b * outStride, H);
    }
    hPrev = hOut;
    ldPrev = ldOut;
  }
}
