// Backward of depthwise conv1d/conv2d (channels-last; weights [kh][kw][c*m],
// output channel o = ci*m + mm). Per output pixel and valid tap:
//   dx[in pixel][ci] += w[tap][o] * dy[out pixel][o]
//   dw[tap][o]       += x[in pixel][ci] * dy[out pixel][o]
// With multiplier 1 all four operands share one channel offset, so the SIMD
// path runs 4 channels at a time; other multipliers take the scalar loop.

import { columnSumF32 } from './dense';

/**
 * Gradients of y = depthwise(x, w) + b (pre-activation); dx, dw, db may be 0.
 * w is the raw weight tensor.
 */
export function depthwiseConv2dBackwardF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, wt: usize, dy: usize, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, multiplier: i32,
  dx: usize, dwt: usize, db: usize,
): void {
  const co = c * multiplier;
  if (db != 0) columnSumF32(dy, n * oh * ow, co, co, db);
  if (dx != 0) memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
  if (dwt != 0) memory.fill(dwt, 0, <usize>(kh * kw * co) << 2);
  if (dx == 0 && dwt == 0) return;
  const pixBytes = <usize>c << 2;
  const tapBytes = <usize>co << 2;
  let yPix = dy;
  for (let b = 0; b < n; b++) {
    const img = <usize>b * <usize>h * <usize>w * pixBytes;
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padTop + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padLeft + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const xo = img + <usize>(iy * w + ix) * pixBytes;
            const tap = <usize>(ky * kw + kx) * tapBytes;
            if (multiplier == 1) tapChannels(x + xo, dx != 0 ? dx + xo : 0, wt + tap, dwt != 0 ? dwt + tap : 0, yPix, c);
            else tapMultiplier(x + xo, dx != 0 ? dx + xo : 0, wt + tap, dwt != 0 ? dwt + tap : 0, yPix, c, multiplier);
          }
        }
        yPix += tapBytes;
      }
    }
  }
}

function tapChannels(xp: usize, dxp: usize, wp: usize, dwp: usize, dyp: usize, c: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= c; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dyp + o);
      if (dxp != 0) v128.store(dxp + o, f32x4.add(v128.load(dxp + o), f32x4.mul(v128.load(wp + o), g)));
      if (dwp != 0) v128.store(dwp + o, f32x4.add(v128.load(dwp + o), f32x4.mul(v128.load(xp + o), g)));
    }
  }
  for (; i < c; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dyp + o);
    if (dxp != 0) store<f32>(dxp + o, load<f32>(dxp + o) + load<f32>(wp + o) * g);
    if (dwp != 0) store<f32>(dwp + o, load<f32>(dwp + o) + load<f32>(xp + o) * g);
  }
}

function tapMultiplier(xp: usize, dxp: usize, wp: usize, dwp: usize, dyp: usize, c: i32, m: i32): void {
  for (let ci = 0; ci < c; ci++) {
    const xv = load<f32>(xp + (<usize>ci << 2));
    let acc: f32 = 0;
    for (let mm = 0; mm < m; mm++) {
      const o = <usize>(ci * m + mm) << 2;
      const g = load<f32>(dyp + o);
      acc += load<f32>(wp + o) * g;
      if (dwp != 0) store<f32>(dwp + o, load<f32>(dwp + o) + xv * g);
    }
    if (dxp != 0) store<f32>(dxp + (<usize>ci << 2), load<f32>(dxp + (<usize>ci << 2)) + acc);
  }
}
