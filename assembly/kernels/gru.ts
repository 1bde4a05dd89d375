// GRU over a whole sequence, ONNX semantics (operator GRU, opset 14): gate
// order z, r, h; f = sigmoid, g = tanh.
//   z  = f(x.Wz + h.Rz + Wbz + Rbz)
//   r  = f(x.Wr + h.Rr + Wbr + Rbr)
//   hh = g(x.Wh + (r*h).Rh + Rbh + Wbh)        linear_before_reset = 0
//   hh = g(x.Wh + r*(h.Rh + Rbh) + Wbh)        linear_before_reset = 1 (PyTorch, cuDNN)
//   h' = (1-z)*hh + z*h
//
// Structure: the input projection does not depend on h, so x.W for every
// time step and batch row is ONE GEMM ([n*t, I] x [I, 3H]) before the loop;
// each step is then a GEMV-sized GEMM (m = n rows) against the recurrent
// weights plus element-wise gate math. Every bias that is a plain addend is
// folded into the packed input-projection bias, where the GEMM applies it for
// free; only Rbh under linear_before_reset = 1 sits inside r*(...), so it
// stays in the recurrent pack.
//
// Recurrent pack: with linear_before_reset = 1 the whole R [H, 3H] is one
// pack (one GEMV per step). With 0, the h-gate needs (r*h).Rh, and r comes
// from the same step's z|r GEMV, so R is packed as two GEMM operands: Rzr
// [H, 2H] then Rh [H, H], run as two GEMVs per step.
//
// The hidden state lives in the output: y[b, s] for sequences (a strided view,
// ld = t*H), y[b] for the last state (updated in place), so no copies.

import { gemmF32, gemmPackedBytes, packGemmF32, GEMM_NR } from './dense';
import { sigmoidF32, tanhF32, ACT_NONE } from './activation';
import { accumulateF32, blendF32, fmaF32, mulF32 } from './vector';

/** Packed bytes of the input weights W [I, 3H] (with all folded biases). */
export function gruPackedWBytes(inSize: i32, hidden: i32): i32 {
  return gemmPackedBytes(inSize, 3 * hidden);
}

/** Packed bytes of the recurrent weights R [H, 3H]. */
export function gruPackedRBytes(hidden: i32, linearBeforeReset: i32): i32 {
  if (linearBeforeReset != 0) return gemmPackedBytes(hidden, 3 * hidden);
  return gemmPackedBytes(hidden, 2 * hidden) + gemmPackedBytes(hidden, hidden);
}

/**
 * Scratch for gruF32: the projections of all steps [n*t, 3H], the step's
 * recurrent terms [n, 3H], r*h [n, H] and a zero initial state [n, H].
 */
export function gruScratchBytes(n: i32, t: i32, hidden: i32): i32 {
  return (n * t * 3 * hidden + n * 3 * hidden + 2 * n * hidden) << 2;
}

/**
 * Adds bias[0..count) to the packed bias slots of columns col0.. of a
 * GEMM pack of reduction length k (packGemmF32 layout: per panel of 8
 * columns, 8 bias values then k rows), so two bias vectors fold into one.
 */
export function addPackedBiasF32(packed: usize, k: i32, col0: i32, count: i32, bias: usize): void {
  const panelBytes = <usize>(GEMM_NR * (k + 1)) << 2;
  for (let j = 0; j < count; j++) {
    const col = col0 + j;
    const slot = packed + <usize>(col / GEMM_NR) * panelBytes + (<usize>(col % GEMM_NR) << 2);
    store<f32>(slot, load<f32>(slot) + load<f32>(bias + (<usize>j << 2)));
  }
}

/**
 * Packs W [I, 3H] (row-major, columns z|r|h) with its bias: bW + bR, except
 * Rbh under linear_before_reset = 1 (see packGruRecurrentF32). bW, bR may be 0.
 */
export function packGruInputF32(w: usize, bW: usize, bR: usize, packed: usize, inSize: i32, hidden: i32, linearBeforeReset: i32): void {
  const n3 = 3 * hidden;
  packGemmF32(w, n3, bW, packed, inSize, n3);
  if (bR != 0) addPackedBiasF32(packed, inSize, 0, linearBeforeReset != 0 ? 2 * hidden : n3, bR);
}

/** Packs R [H, 3H] (row-major, columns z|r|h) and, under linear_before_reset = 1, Rbh. bR may be 0. */
export function packGruRecurrentF32(r: usize, bR: usize, packed: usize, hidden: i32, linearBeforeReset: i32): void {
  const n3 = 3 * hidden;
  if (linearBeforeReset != 0) {
    packGemmF32(r, n3, 0, packed, hidden, n3);
    if (bR != 0) addPackedBiasF32(packed, hidden, 2 * hidden, hidden, bR + (<usize>(2 * hidden) << 2));
  } else {
    packGemmF32(r, n3, 0, packed, hidden, 2 * hidden);
    packGemmF32(r + (<usize>(2 * hidden) << 2), n3, 0, packed + gemmPackedBytes(hidden, 2 * hidden), hidden, hidden);
  }
}

/**
 * Runs a GRU over x [n, t, I]. h0 [n, H] or 0 for zeros. y is [n, t, H]
 * (every step's state, in time order also when reverse) when
 * returnSequences != 0, else [n, H] (the state after the whole sequence).
 * Weights packed by packGruInputF32 / packGruRecurrentF32 with the same
 * linearBeforeReset; scratch of gruScratchBytes(n, t, hidden).
 */
export function gruF32(
  x: usize, packedW: usize, packedR: usize, h0: usize, y: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32, linearBeforeReset: i32,
): void {
  const H = hidden;
  const n3 = 3 * H;
  const hBytes = <usize>H << 2;
  const xproj = scratch;
  const gates = xproj + (<usize>(n * t * n3) << 2);
  const rh = gates + (<usize>(n * n3) << 2);
  const zeros = rh + (<usize>(n * H) << 2);

  gemmF32(x, inSize, packedW, xproj, n3, n * t, n3, inSize, ACT_NONE, 0, 0);

  // The state before the first step, and where each step's state goes.
  let hPrev: usize;
  let ldPrev: i32 = H;
  let ldOut: i32;
  if (returnSequences != 0) {
    ldOut = t * H;
    if (h0 != 0) {
      hPrev = h0;
    } else {
      memory.fill(zeros, 0, <usize>(n * H) << 2);
      hPrev = zeros;
    }
  } else {
    ldOut = H;
    if (h0 != 0) memory.copy(y, h0, <usize>(n * H) << 2);
    else memory.fill(y, 0, <usize>(n * H) << 2);
    hPrev = y;
  }
  const packedRh = packedR + gemmPackedBytes(H, 2 * H);

  for (let step = 0; step < t; step++) {
    const s = reverse != 0 ? t - 1 - step : step;
    const hOut = returnSequences != 0 ? y + (<usize>(s * H) << 2) : y;
    const prevStride = <usize>ldPrev << 2;
    const outStride = <usize>ldOut << 2;
    const rowBytes = <usize>n3 << 2;

    if (linearBeforeReset != 0) {
      gemmF32(hPrev, ldPrev, packedR, gates, n3, n, n3, H, ACT_NONE, 0, 0);
    } else {
      gemmF32(hPrev, ldPrev, packedR, gates, n3, n, 2 * H, H, ACT_NONE, 0, 0);
    }
    for (let b = 0; b < n; b++) {
      const xp = xproj + <usize>(b * t + s) * rowBytes;
      const g = gates + <usize>b * rowBytes;
      accumulateF32(xp, g, 2 * H);
      sigmoidF32(g, g, 2 * H);
      if (linearBeforeReset == 0) mulF32(g + hBytes, hPrev + <usize>b * prevStride, rh + <usize>b * hBytes, H);
    }
    if (linearBeforeReset == 0) gemmF32(rh, H, packedRh, gates + 2 * hBytes, n3, n, H, H, ACT_NONE, 0, 0);
    for (let b = 0; b < n; b++) {
      const xp = xproj + <usize>(b * t + s) * rowBytes;
      const g = gates + <usize>b * rowBytes;
      const gh = g + 2 * hBytes;
      if (linearBeforeReset != 0) fmaF32(xp + 2 * hBytes, g + hBytes, gh, gh, H);
      else accumulateF32(xp + 2 * hBytes, gh, H);
      tanhF32(gh, gh, H);
      blendF32(g, gh, hPrev + <usize>b * prevStride, hOut + <usize>b * outStride, H);
    }
    hPrev = hOut;
    ldPrev = ldOut;
  }
}
