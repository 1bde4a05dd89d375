// GRU training: a forward pass that keeps what the backward pass needs, and
// backpropagation through time over the whole sequence (Werbos 1990), for
// both forms of the h-gate (see kernels/gru.ts for the equations):
//   linear_before_reset = 0: hh = tanh(xWh + (r*h)Rh + b)
//   linear_before_reset = 1: hh = tanh(xWh + r*(hRh + Rbh) + Wbh)
//
// Saved (per call, `saved` bytes of gruTrainSavedBytes): the states
// [t+1][n][H] in processing order (states[0] = h0) and per step the gate
// rows [t][n][G]: z | r | hh, plus hr = hRh + Rbh when linear_before_reset = 1
// (G = 4H, else 3H).
//
// Backward, per step from the last: the element-wise gate derivatives go to
// two buffers, dxproj [n*t][3H] (gradients of the input projection, in x's
// row order) and drec [t][n][3H] (gradients of the recurrent projection),
// and dh flows to the previous step through one GEMM against R^T. The weight
// gradients are then single large GEMMs over all steps at once:
//   dR = states^T . drec,  dW = x^T . dxproj,  dx = dxproj . W^T,
// so the per-step work is only the small recurrent GEMM, as in the forward.

import { gemmF32, gemmPackedBytes } from '../kernels/dense';
import { sigmoidF32, tanhF32, ACT_NONE } from '../kernels/activation';
import { accumulateF32, addF32, blendF32, fmaF32, mulF32 } from '../kernels/vector';
import { columnSumF32, gemmTransAF32, gemmTransAScratchBytes, packGemmTransposedF32 } from './dense';

export function gruTrainSavedBytes(n: i32, t: i32, hidden: i32, linearBeforeReset: i32): i32 {
  return ((t + 1) * n * hidden + t * n * (linearBeforeReset != 0 ? 4 : 3) * hidden) << 2;
}

export function gruTrainScratchBytes(n: i32, t: i32, hidden: i32): i32 {
  return (n * t * 3 * hidden + n * 3 * hidden + n * hidden) << 2;
}

/**
 * gruF32 (same arguments and packed weights) that also fills `saved`. y is
 * [n, t, H] when returnSequences != 0, else [n, H].
 */
export function gruTrainForwardF32(
  x: usize, packedW: usize, packedR: usize, h0: usize, y: usize, saved: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32, linearBeforeReset: i32,
): void {
  const H = hidden;
  const n3 = 3 * H;
  const G = linearBeforeReset != 0 ? 4 * H : 3 * H;
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  const states = saved;
  const gates = saved + <usize>(t + 1) * stateBytes;
  const xproj = scratch;
  const rec = xproj + (<usize>(n * t * n3) << 2);
  const rh = rec + (<usize>(n * n3) << 2);
  const packedRh = packedR + gemmPackedBytes(H, 2 * H);

  gemmF32(x, inSize, packedW, xproj, n3, n * t, n3, inSize, ACT_NONE, 0, 0);
  if (h0 != 0) memory.copy(states, h0, stateBytes);
  else memory.fill(states, 0, stateBytes);

  for (let step = 0; step < t; step++) {
    const s = reverse != 0 ? t - 1 - step : step;
    const hPrev = states + <usize>step * stateBytes;
    const hNew = hPrev + stateBytes;
    const gs = gates + (<usize>(step * n * G) << 2);
    gemmF32(hPrev, H, packedR, rec, n3, n, linearBeforeReset != 0 ? n3 : 2 * H, H, ACT_NONE, 0, 0);
    for (let b = 0; b < n; b++) {
      const xp = xproj + (<usize>((b * t + s) * n3) << 2);
      const rg = rec + (<usize>(b * n3) << 2);
      const g = gs + (<usize>(b * G) << 2);
      addF32(xp, rg, g, 2 * H);
      sigmoidF32(g, g, 2 * H);
      if (linearBeforeReset != 0) {
        memory.copy(g + 3 * hBytes, rg + 2 * hBytes, hBytes);
        fmaF32(xp + 2 * hBytes, g + hBytes, g + 3 * hBytes, g + 2 * hBytes, H);
        tanhF32(g + 2 * hBytes, g + 2 * hBytes, H);
      } else {
        mulF32(g + hBytes, hPrev + <usize>b * hBytes, rh + <usize>b * hBytes, H);
      }
    }
    if (linearBeforeReset == 0) {
      gemmF32(rh, H, packedRh, rec + 2 * hBytes, n3, n, H, H, ACT_NONE, 0, 0);
      for (let b = 0; b < n; b++) {
        const g = gs + (<usize>(b * G) << 2);
        addF32(xproj + (<usize>((b * t + s) * n3) << 2) + 2 * hBytes, rec + (<usize>(b * n3) << 2) + 2 * hBytes, g + 2 * hBytes, H);
        tanhF32(g + 2 * hBytes, g + 2 * hBytes, H);
      }
    }
    for (let b = 0; b < n; b++) {
      const g = gs + (<usize>(b * G) << 2);
      blendF32(g, g + 2 * hBytes, hPrev + <usize>b * hBytes, hNew + <usize>b * hBytes, H);
    }
  }
  copyStatesOut(states, y, n, t, H, returnSequences, reverse);
}

/** y[b][s] (or y[b] for the last state) from the saved states in processing order. */
export function copyStatesOut(states: usize, y: usize, n: i32, t: i32, H: i32, returnSequences: i32, reverse: i32): void {
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  if (returnSequences == 0) {
    memory.copy(y, states + <usize>t * stateBytes, stateBytes);
    return;
  }
  for (let step = 0; step < t; step++) {
    const s = reverse != 0 ? t - 1 - step : step;
    const src = states + <usize>(step + 1) * stateBytes;
    for (let b = 0; b < n; b++) memory.copy(y + (<usize>(b * t + s) * hBytes), src + <usize>b * hBytes, hBytes);
  }
}

export function gruTrainBackwardScratchBytes(n: i32, t: i32, inSize: i32, hidden: i32, linearBeforeReset: i32): i32 {
  const H = hidden;
  const packedR = linearBeforeReset != 0 ? gemmPackedBytes(3 * H, H) : gemmPackedBytes(2 * H, H) + gemmPackedBytes(H, H);
  const floats = 2 * n * t * 3 * H + (linearBeforeReset != 0 ? 0 : t * n * H) + 3 * n * H;
  return gemmPackedBytes(3 * H, inSize) + packedR + (floats << 2) + max(gemmTransAScratchBytes(inSize, 3 * H), gemmTransAScratchBytes(H, 3 * H));
}

/**
 * Gradients of gruTrainForwardF32 given dy (shaped like y): dx [n, t, I],
 * dw [I, 3H], dr [H, 3H], dbW, dbR [3H], dh0 [n, H]; any may be 0 (not
 * wanted). w and r are the raw weights.
 */
export function gruTrainBackwardF32(
  x: usize, w: usize, r: usize, saved: usize, dy: usize,
  dx: usize, dw: usize, dr: usize, dbW: usize, dbR: usize, dh0: usize, scratch: usize,
  n: i32, t: i32, inSize: i32, hidden: i32, returnSequences: i32, reverse: i32, linearBeforeReset: i32,
): void {
  const H = hidden;
  const n3 = 3 * H;
  const lbr = linearBeforeReset != 0;
  const G = lbr ? 4 * H : 3 * H;
  const hBytes = <usize>H << 2;
  const stateBytes = <usize>(n * H) << 2;
  const states = saved;
  const gates = saved + <usize>(t + 1) * stateBytes;

  const packedWT = scratch;
  const packedRT = packedWT + gemmPackedBytes(n3, inSize);
  const packedRhT = packedRT + gemmPackedBytes(2 * H, H);
  const dxproj = packedRT + (lbr ? gemmPackedBytes(n3, H) : gemmPackedBytes(2 * H, H) + gemmPackedBytes(H, H));
  const drec = dxproj + (<usize>(n * t * n3) << 2);
  const rhAll = drec + (<usize>(n * t * n3) << 2);
  const dh = rhAll + (lbr ? 0 : <usize>t * stateBytes);
  const direct = dh + stateBytes;
  const drh = direct + stateBytes;
  const trans = drh + stateBytes;

  if (lbr) {
    packGemmTransposedF32(r, n3, packedRT, n3, H);
  } else {
    packGemmTransposedF32(r, n3, packedRT, 2 * H, H);
    packGemmTransposedF32(r + 2 * hBytes, n3, packedRhT, H, H);
  }
  memory.fill(dh, 0, stateBytes);

  for (let step = t - 1; step >= 0; step--) {
    const s = reverse != 0 ? t - 1 - step : step;
    if (returnSequences != 0) {
      for (let b = 0; b < n; b++) accumulateF32(dy + (<usize>(b * t + s) * hBytes), dh + <usize>b * hBytes, H);
    } else if (step == t - 1) {
      accumulateF32(dy, dh, n * H);
    }
    const hPrev = states + <usize>step * stateBytes;
    const gs = gates + (<usize>(step * n * G) << 2);
    const drs = drec + (<usize>(step * n * n3) << 2);
    for (let b = 0; b < n; b++) {
      const g = gs + (<usize>(b * G) << 2);
      const dxp = dxproj + (<usize>((b * t + s) * n3) << 2);
      const drr = drs + (<usize>(b * n3) << 2);
      gruGateGradsRow(dh + <usize>b * hBytes, hPrev + <usize>b * hBytes, g, g + hBytes, g + 2 * hBytes, lbr ? g + 3 * hBytes : 0, dxp, drr, direct + <usize>b * hBytes, H);
    }
    if (!lbr) {
      // d(r*h) = dah . Rh^T, then the reset gate's share and h's direct share.
      gemmF32(drs + 2 * hBytes, n3, packedRhT, drh, H, n, H, H, ACT_NONE, 0, 0);
      for (let b = 0; b < n; b++) {
        const g = gs + (<usize>(b * G) << 2);
        const dxp = dxproj + (<usize>((b * t + s) * n3) << 2);
        const drr = drs + (<usize>(b * n3) << 2);
        resetGradRow(drh + <usize>b * hBytes, hPrev + <usize>b * hBytes, g + hBytes, dxp + hBytes, drr + hBytes, direct + <usize>b * hBytes, rhAll + <usize>step * stateBytes + <usize>b * hBytes, H);
      }
    }
    // dh for the previous step: the direct term plus drec . R^T.
    gemmF32(drs, n3, packedRT, dh, H, n, H, lbr ? n3 : 2 * H, ACT_NONE, 0, 0);
    accumulateF32(direct, dh, n * H);
  }
  if (dh0 != 0) memory.copy(dh0, dh, stateBytes);

  if (dr != 0) {
    if (lbr) {
      gemmTransAF32(states, H, drec, n3, dr, n3, t * n, H, n3, 0, trans);
    } else {
      gemmTransAF32(states, H, drec, n3, dr, n3, t * n, H, 2 * H, 0, trans);
      gemmTransAF32(rhAll, H, drec + 2 * hBytes, n3, dr + 2 * hBytes, n3, t * n, H, H, 0, trans);
    }
  }
  if (dbR != 0) columnSumF32(drec, t * n, n3, n3, dbR);
  inputProjectionGradsF32(x, w, dxproj, dx, dw, dbW, n * t, inSize, n3, packedWT, trans);
}

/**
 * Gradients through the input projection xproj = x . W + b of a recurrent
 * layer (rows = n*t, g = gate columns), given dxproj: dbW = column sums,
 * dW = x^T . dxproj, dx = dxproj . W^T. Any output may be 0.
 */
export function inputProjectionGradsF32(
  x: usize, w: usize, dxproj: usize, dx: usize, dw: usize, dbW: usize,
  rows: i32, inSize: i32, g: i32, packedWT: usize, trans: usize,
): void {
  if (dbW != 0) columnSumF32(dxproj, rows, g, g, dbW);
  if (dw != 0) gemmTransAF32(x, inSize, dxproj, g, dw, g, rows, inSize, g, 0, trans);
  if (dx != 0) {
    packGemmTransposedF32(w, g, packedWT, g, inSize);
    gemmF32(dxproj, g, packedWT, dx, inSize, rows, inSize, g, ACT_NONE, 0, 0);
  }
}

/**
 * One row's gate derivatives. With hr != 0 (linear_before_reset = 1) the
 * reset gate's gradient is complete here; otherwise its slot is filled by
 * resetGradRow once d(r*h) is known.
 */
function gruGateGradsRow(dh: usize, hp: usize, z: usize, r: usize, hh: usize, hr: usize, dxp: usize, drr: usize, direct: usize, H: i32): void {
  const hBytes = <usize>H << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      const g = v128.load(dh + o);
      const zv = v128.load(z + o);
      const hv = v128.load(hh + o);
      const hpv = v128.load(hp + o);
      const daz = f32x4.mul(f32x4.mul(g, f32x4.sub(hpv, hv)), f32x4.mul(zv, f32x4.sub(one, zv)));
      const dah = f32x4.mul(f32x4.mul(g, f32x4.sub(one, zv)), f32x4.sub(one, f32x4.mul(hv, hv)));
      v128.store(direct + o, f32x4.mul(g, zv));
      v128.store(dxp + o, daz);
      v128.store(drr + o, daz);
      v128.store(dxp + 2 * hBytes + o, dah);
      if (hr != 0) {
        const rv = v128.load(r + o);
        const dar = f32x4.mul(f32x4.mul(dah, v128.load(hr + o)), f32x4.mul(rv, f32x4.sub(one, rv)));
        v128.store(dxp + hBytes + o, dar);
        v128.store(drr + hBytes + o, dar);
        v128.store(drr + 2 * hBytes + o, f32x4.mul(dah, rv));
      } else {
        v128.store(drr + 2 * hBytes + o, dah);
      }
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    const g = load<f32>(dh + o);
    const zv = load<f32>(z + o);
    const hv = load<f32>(hh + o);
    const daz = g * (load<f32>(hp + o) - hv) * zv * (1 - zv);
    const dah = g * (1 - zv) * (1 - hv * hv);
    store<f32>(direct + o, g * zv);
    store<f32>(dxp + o, daz);
    store<f32>(drr + o, daz);
    store<f32>(dxp + 2 * hBytes + o, dah);
    if (hr != 0) {
      const rv = load<f32>(r + o);
      const dar = dah * load<f32>(hr + o) * rv * (1 - rv);
      store<f32>(dxp + hBytes + o, dar);
      store<f32>(drr + hBytes + o, dar);
      store<f32>(drr + 2 * hBytes + o, dah * rv);
    } else {
      store<f32>(drr + 2 * hBytes + o, dah);
    }
  }
}

/** linear_before_reset = 0: dar = drh*h*r(1-r), direct += drh*r, and r*h kept for dRh. */
function resetGradRow(drh: usize, hp: usize, r: usize, dxpR: usize, drrR: usize, direct: usize, rh: usize, H: i32): void {
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; j + 4 <= H; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(drh + o);
      const hv = v128.load(hp + o);
      const rv = v128.load(r + o);
      const dar = f32x4.mul(f32x4.mul(d, hv), f32x4.mul(rv, f32x4.sub(one, rv)));
      v128.store(dxpR + o, dar);
      v128.store(drrR + o, dar);
      v128.store(direct + o, f32x4.add(v128.load(direct + o), f32x4.mul(d, rv)));
      v128.store(rh + o, f32x4.mul(rv, hv));
    }
  }
  for (; j < H; j++) {
    const o = <usize>j << 2;
    const d = load<f32>(drh + o);
    const hv = load<f32>(hp + o);
    const rv = load<f32>(r + o);
    const dar = d * hv * rv * (1 - rv);
    store<f32>(dxpR + o, dar);
    store<f32>(drrR + o, dar);
    store<f32>(direct + o, load<f32>(direct + o) + d * rv);
    store<f32>(rh + o, rv * hv);
  }
}

