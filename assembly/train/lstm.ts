// LSTM training: a forward pass that keeps the gates, and backpropagation
// through time over the whole sequence (Hochreiter & Schmidhuber 1997;
// gradients as in Greff et al. 2017, "LSTM: A Search Space Odyssey",
// appendix), ONNX gate order i | o | f | c (see kernels/lstm.ts).
//
// Saved (lstmTrainSavedBytes): h states [t+1][n][H] and cell states
// [t+1][n][H] in processing order (index 0 = h0, c0), and per step the rows
// [t][n][5H]: i | o | f | c~ | tanh(c'). Backward per step from the last:
//   dc  = dc_next + dh * o * (1 - tanh(c')^2)
//   dai = dc * c~ * i(1-i),  dao = dh * tanh(c') * o(1-o),
//   daf = dc * c_prev * f(1-f),  dac = dc * i * (1 - c~^2),  dc_next = dc * f,
// the four pre-activation gradients go to drec [t][n][4H] and dxproj
// [n*t][4H], dh_prev = drec_step . R^T; then dR = h^T . drec,
// dW = x^T . dxproj and dx = dxproj . W^T as single GEMMs over all steps.

import { gemmF32, gemmPackedBytes } from '../kernels/dense';
import { sigmoidF32, tanhF32, ACT_NONE } from '../kernels/activation';
import { accumulateF32, addF32, mulF32 } from '../kernels/vector';
import { columnSumF32, gemmTransAF32, gemmTransAScratchBytes, packGemmTransposedF32 } from './dense';
import { copyStatesOut, inputProjectionGradsF32 } from './gru';

export function lstmTrainSavedBytes(n: i32, t: i32, hidden: i32): i32 {
  return (2 * (t + 1) * n * hidden + t * n * 5 * hidden) << 2;
}

export function lstmTrainScratchBytes(n: i32, t: i32, hidden: i32): i32 {
  return (n * t * 4 * hidden + n * 4 * hidden) << 2;
}

/** lstmF32 (same arguments and packed weights) that also fills `saved`. */
export function lstmTrainForwardF32(
  x: usize, packedW: usize, packedR: usize, h0: usize, c0: usize, y: usize, saved: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32,
): void {
  const H = hidden;
  const n4 = 4 * H;
  const n5 = 5 * H;
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  const states = saved;
  const cells = states + <usize>(t + 1) * stateBytes;
  const gates = cells + <usize>(t + 1) * stateBytes;
  const xproj = scratch;
  const rec = xproj + (<usize>(n * t * n4) << 2);

  gemmF32(x, inSize, packedW, xproj, n4, n * t, n4, inSize, ACT_NONE, 0, 0);
  if (h0 != 0) memory.copy(states, h0, stateBytes);
  else memory.fill(states, 0, stateBytes);
  if (c0 != 0) memory.copy(cells, c0, stateBytes);
  else memory.fill(cells, 0, stateBytes);

  for (let step = 0; step < t; step++) {
    const s = reverse != 0 ? t - 1 - step : step;
    const hPrev = states + <usize>step * stateBytes;
    const cPrev = cells + <usize>step * stateBytes;
    gemmF32(hPrev, H, packedR, rec, n4, n, n4, H, ACT_NONE, 0, 0);
    for (let b = 0; b < n; b++) {
      const g = gates + (<usize>((step * n + b) * n5) << 2);
      addF32(xproj + (<usize>((b * t + s) * n4) << 2), rec + (<usize>(b * n4) << 2), g, n4);
      sigmoidF32(g, g, 3 * H);
      tanhF32(g + 3 * hBytes, g + 3 * hBytes, H);
      const cNew = cPrev + stateBytes + <usize>b * hBytes;
      cellF32(g, g + 2 * hBytes, g + 3 * hBytes, cPrev + <usize>b * hBytes, cNew, H);
      tanhF32(cNew, g + 4 * hBytes, H);
      mulF32(g + hBytes, g + 4 * hBytes, hPrev + stateBytes + <usize>b * hBytes, H);
    }
  }
  copyStatesOut(states, y, n, t, H, returnSequences, reverse);
}

export function lstmTrainBackwardScratchBytes(n: i32, t: i32, inSize: i32, hidden: i32): i32 {
  const H = hidden;
  return gemmPackedBytes(4 * H, inSize) + gemmPackedBytes(4 * H, H) + ((2 * n * t * 4 * H + 2 * n * H) << 2)
    + max(gemmTransAScratchBytes(inSize, 4 * H), gemmTransAScratchBytes(H, 4 * H));
}

/**
 * Gradients of lstmTrainForwardF32 given dy: dx, dw [I, 4H], dr [H, 4H],
 * dbW, dbR [4H], dh0, dc0 [n, H]; any may be 0. w, r are the raw weights.
 */
export function lstmTrainBackwardF32(
  x: usize, w: usize, r: usize, saved: usize, dy: usize,
  dx: usize, dw: usize, dr: usize, dbW: usize, dbR: usize, dh0: usize, dc0: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32,
): void {
  const H = hidden;
  const n4 = 4 * H;
  const n5 = 5 * H;
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  const states = saved;
  const cells = states + <usize>(t + 1) * stateBytes;
  const gates = cells + <usize>(t + 1) * stateBytes;

  const packedWT = scratch;
  const packedRT = packedWT + gemmPackedBytes(n4, inSize);
  const dxproj = packedRT + gemmPackedBytes(n4, H);
  const drec = dxproj + (<usize>(n * t * n4) << 2);
  const dh = drec + (<usize>(n * t * n4) << 2);
  const dc = dh + stateBytes;
  const trans = dc + stateBytes;

  packGemmTransposedF32(r, n4, packedRT, n4, H);
  memory.fill(dh, 0, stateBytes);
  memory.fill(dc, 0, stateBytes);
  for (let step = t - 1; step >= 0; step--) {
    const s = reverse != 0 ? t - 1 - step : step;
    if (returnSequences != 0) {
      for (let b = 0; b < n; b++) accumulateF32(dy + (<usize>(b * t + s) * hBytes), dh + <usize>b * hBytes, H);
    } else if (step == t - 1) {
      accumulateF32(dy, dh, n * H);
    }
    const cPrev = cells + <usize>step * stateBytes;
    const drs = drec + (<usize>(step * n * n4) << 2);
    for (let b = 0; b < n; b++) {
      const g = gates + (<usize>((step * n + b) * n5) << 2);
      const dxp = dxproj + (<usize>((b * t + s) * n4) << 2);
      lstmGateGradsRow(dh + <usize>b * hBytes, dc + <usize>b * hBytes, cPrev + <usize>b * hBytes, g, drs + (<usize>(b * n4) << 2), H);
      memory.copy(dxp, drs + (<usize>(b * n4) << 2), <usize>n4 << 2);
    }
    gemmF32(drs, n4, packedRT, dh, H, n, H, n4, ACT_NONE, 0, 0);
  }
  if (dh0 != 0) memory.copy(dh0, dh, stateBytes);
  if (dc0 != 0) memory.copy(dc0, dc, stateBytes);
  if (dr != 0) gemmTransAF32(states, H, drec, n4, dr, n4, t * n, H, n4, 0, trans);
  if (dbR != 0) columnSumF32(drec, t * n, n4, n4, dbR);
  inputProjectionGradsF32(x, w, dxproj, dx, dw, dbW, n * t, inSize, n4, packedWT, trans);
}

/** c' = f * c + i * c~. */
function cellF32(i: usize, f: usize, cc: usize, c: usize, cNew: usize, count: i32): void {
  let k = 0;
  if (ASC_FEATURE_SIMD) {
    for (; k + 4 <= count; k += 4) {
      const o = <usize>k << 2;
      v128.store(cNew + o, f32x4.add(f32x4.mul(v128.load(f + o), v128.load(c + o)), f32x4.mul(v128.load(i + o), v128.load(cc + o))));
    }
  }
  for (; k < count; k++) {
    const o = <usize>k << 2;
    store<f32>(cNew + o, load<f32>(f + o) * load<f32>(c + o) + load<f32>(i + o) * load<f32>(cc + o));
  }
}

/** One row: reads dh, updates dc to dc_next, writes [dai, dao, daf, dac] to d. */
function lstmGateGradsRow(dh: usize, dc: usize, cPrev: usize, g: usize, d: usize, H: i32): void {
  const hBytes = <usize>H << 2;
  const gi = g, go = g + hBytes, gf = g + 2 * hBytes, gc = g + 3 * hBytes, tc = g + 4 * hBytes;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      const hv = v128.load(dh + o);
      const iv = v128.load(gi + o), ov = v128.load(go + o), fv = v128.load(gf + o), cv = v128.load(gc + o), tv = v128.load(tc + o);
      const dcv = f32x4.add(v128.load(dc + o), f32x4.mul(f32x4.mul(hv, ov), f32x4.sub(one, f32x4.mul(tv, tv))));
      v128.store(d + o, f32x4.mul(f32x4.mul(dcv, cv), f32x4.mul(iv, f32x4.sub(one, iv))));
      v128.store(d + hBytes + o, f32x4.mul(f32x4.mul(hv, tv), f32x4.mul(ov, f32x4.sub(one, ov))));
      v128.store(d + 2 * hBytes + o, f32x4.mul(f32x4.mul(dcv, v128.load(cPrev + o)), f32x4.mul(fv, f32x4.sub(one, fv))));
      v128.store(d + 3 * hBytes + o, f32x4.mul(f32x4.mul(dcv, iv), f32x4.sub(one, f32x4.mul(cv, cv))));
      v128.store(dc + o, f32x4.mul(dcv, fv));
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    const hv = load<f32>(dh + o);
    const iv = load<f32>(gi + o), ov = load<f32>(go + o), fv = load<f32>(gf + o), cv = load<f32>(gc + o), tv = load<f32>(tc + o);
    const dcv = load<f32>(dc + o) + hv * ov * (1 - tv * tv);
    store<f32>(d + o, dcv * cv * iv * (1 - iv));
    store<f32>(d + hBytes + o, hv * tv * ov * (1 - ov));
    store<f32>(d + 2 * hBytes + o, dcv * load<f32>(cPrev + o) * fv * (1 - fv));
    store<f32>(d + 3 * hBytes + o, dcv * iv * (1 - cv * cv));
    store<f32>(dc + o, dcv * fv);
  }
}
