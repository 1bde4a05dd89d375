// Depthwise 2-D convolution (and 1-D, as h = 1, kh = 1) on channels-last
// tensors: each input channel ci has its own `multiplier` filters, giving
// output channels o = ci*multiplier + m.
//
// Channels-last means the channels of one pixel, of one tap's weights and
// of the bias are contiguous, so the SIMD path runs over output channels,
// four at a time, keeping a block of accumulators in registers across all
// taps of the window and storing once (XNNPACK's dwconv layout).
//
// Padding is never materialised: for each output pixel the window is clipped
// to the taps that land inside the input (with dilation these are still one
// contiguous range of ky and of kx), so border pixels run the same loops as
// interior ones, over fewer taps.

import { applyActivationF32, ACT_NONE } from './activation';
import { endValidTap, firstValidTap } from './window';
import { mulAdd } from './mul-add';

/**
 * y[n][oh][ow][c*multiplier] = act(depthwise(x[n][h][w][c], W) + bias) with
 * W[kh][kw][c*multiplier] and bias[c*multiplier] (bias == 0: none). Padding
 * is explicit: padTop/padLeft shift the window, bottom/right follow from
 * oh/ow, padded taps contribute zero.
 */
export function depthwiseConv2dF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, weights: usize, bias: usize, y: usize, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, multiplier: i32,
  act: i32, p0: f32, p1: f32,
): void {
  if (ASC_FEATURE_SIMD) {
    if (kh == 3 && kw == 3 && multiplier == 1 && dh == 1 && dw == 1 && depthwise3x3StripsFit(c, oh, ow, sh, sw)) {
      depthwise3x3Strips(x, n, h, w, c, weights, bias, y, oh, ow, sh, sw, padTop, padLeft, act, p0, p1);
      return;
    }
    if (kh == 3 && kw == 3 && multiplier == 1 && dh == 1 && dw == 1 && (c & 3) == 0 && depthwise3x3Fits(w, ow, sw, padLeft)) {
      depthwise3x3Simd(x, n, h, w, c, weights, bias, y, oh, ow, sh, sw, padTop, padLeft, act, p0, p1);
      return;
    }
  }
  const co = c * multiplier;
  const pixBytes = <usize>c << 2;
  const rowBytes = pixBytes * <usize>w;
  const tapBytes = <usize>co << 2;
  const yPixBytes = <usize>co << 2;
  const yRowFloats = ow * co;
  const xStepY = rowBytes * <usize>dh;
  const xStepX = pixBytes * <usize>dw;
  const wStepY = tapBytes * <usize>kw;
  // Columns whose whole window lies inside the input: oxIn0 <= ox < oxIn1.
  const oxIn0 = min(ow, (padLeft + sw - 1) / sw);
  const lastFit = w - 1 + padLeft - (kw - 1) * dw;
  const oxIn1 = lastFit < 0 ? 0 : min(ow, lastFit / sw + 1);
  let yRow = y;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * rowBytes * <usize>h;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const kyLo = firstValidTap(iy0, dh);
      const kyHi = endValidTap(iy0, dh, h, kh);
      let yPix = yRow;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - padLeft;
        // Interior columns skip the divisions of the clipping (they cost as
        // much as the taps of a narrow layer).
        const interior = ox >= oxIn0 && ox < oxIn1;
        const kxLo = interior ? 0 : firstValidTap(ix0, dw);
        const kxHi = interior ? kw : endValidTap(ix0, dw, w, kw);
        const nky = max(0, kyHi - kyLo);
        const nkx = max(0, kxHi - kxLo);
        // Both starts are inside the input whenever a tap is (nky, nkx > 0).
        const xStart = nky > 0 && nkx > 0
          ? img + <usize>(iy0 + kyLo * dh) * rowBytes + <usize>(ix0 + kxLo * dw) * pixBytes
          : img;
        const wStart = weights + <usize>(kyLo * kw + kxLo) * tapBytes;
        if (multiplier == 1) {
          if (ASC_FEATURE_SIMD) {
            if (ox >= oxIn0 && ox + 4 <= oxIn1 && nky > 0) {
              depthwiseQuadSimd(xStart, <usize>sw * pixBytes, wStart, bias, yPix, yPixBytes, c, nky, nkx, xStepY, xStepX, wStepY, tapBytes);
              yPix += yPixBytes << 2;
              ox += 3;
              continue;
            }
            depthwisePixelSimd(xStart, wStart, bias, yPix, c, nky, nkx, xStepY, xStepX, wStepY, tapBytes);
          } else {
            depthwisePixelScalar(xStart, wStart, bias, yPix, c, nky, nkx, xStepY, xStepX, wStepY, tapBytes);
          }
        } else {
          depthwisePixelMultiplier(xStart, wStart, bias, yPix, co, multiplier, nky, nkx, xStepY, xStepX, wStepY, tapBytes);
        }
        yPix += yPixBytes;
      }
      if (act != ACT_NONE) applyActivationF32(yRow, yRow, yRowFloats, act, p0, p1);
      yRow += <usize>yRowFloats << 2;
    }
  }
}

// One output pixel, multiplier 1: input, weight, bias and output channels
// share one offset. Blocks of 16 channels keep 4 accumulators in flight.
function depthwisePixelSimd(
  xStart: usize, wStart: usize, bias: usize, yPix: usize, c: i32,
  nky: i32, nkx: i32, xStepY: usize, xStepX: usize, wStepY: usize, wStepX: usize,
): void {
  let ch = 0;
  for (; ch + 16 <= c; ch += 16) {
    const off = <usize>ch << 2;
    let acc0 = f32x4.splat(0), acc1 = acc0, acc2 = acc0, acc3 = acc0;
    if (bias != 0) {
      acc0 = v128.load(bias + off);
      acc1 = v128.load(bias + off, 16);
      acc2 = v128.load(bias + off, 32);
      acc3 = v128.load(bias + off, 48);
    }
    let xr = xStart + off;
    let wr = wStart + off;
    for (let ky = 0; ky < nky; ky++) {
      let xp = xr;
      let wp = wr;
      for (let kx = 0; kx < nkx; kx++) {
        acc0 = mulAdd(v128.load(xp), v128.load(wp), acc0);
        acc1 = mulAdd(v128.load(xp, 16), v128.load(wp, 16), acc1);
        acc2 = mulAdd(v128.load(xp, 32), v128.load(wp, 32), acc2);
        acc3 = mulAdd(v128.load(xp, 48), v128.load(wp, 48), acc3);
        xp += xStepX;
        wp += wStepX;
      }
      xr += xStepY;
      wr += wStepY;
    }
    v128.store(yPix + off, acc0);
    v128.store(yPix + off, acc1, 16);
    v128.store(yPix + off, acc2, 32);
    v128.store(yPix + off, acc3, 48);
  }
  for (; ch + 4 <= c; ch += 4) {
    const off = <usize>ch << 2;
    let acc = bias != 0 ? v128.load(bias + off) : f32x4.splat(0);
    let xr = xStart + off;
    let wr = wStart + off;
    for (let ky = 0; ky < nky; ky++) {
      let xp = xr;
      let wp = wr;
      for (let kx = 0; kx < nkx; kx++) {
        acc = mulAdd(v128.load(xp), v128.load(wp), acc);
        xp += xStepX;
        wp += wStepX;
      }
      xr += xStepY;
      wr += wStepY;
    }
    v128.store(yPix + off, acc);
  }
  for (; ch < c; ch++) {
    const off = <usize>ch << 2;
    store<f32>(yPix + off, depthwiseChannel(xStart + off, wStart + off, bias != 0 ? load<f32>(bias + off) : 0, nky, nkx, xStepY, xStepX, wStepY, wStepX));
  }
}

// Four neighbouring output pixels of one row, all with the full window
// (x of pixel r at x0 + r*dx): each weight vector is loaded once for the
// four, 5 loads per 4 multiply-adds instead of 8. This also keeps narrow
// layers (c = 4..12) busy, where a single pixel has one or two blocks.
function depthwiseQuadSimd(
  x0: usize, dx: usize, wStart: usize, bias: usize, y0: usize, dy: usize, c: i32,
  nky: i32, nkx: i32, xStepY: usize, xStepX: usize, wStepY: usize, wStepX: usize,
): void {
  let ch = 0;
  const dx2 = dx << 1;
  const dx3 = dx2 + dx;
  for (; ch + 4 <= c; ch += 4) {
    const off = <usize>ch << 2;
    let a0 = bias != 0 ? v128.load(bias + off) : f32x4.splat(0);
    let a1 = a0, a2 = a0, a3 = a0;
    let xr = x0 + off;
    let wr = wStart + off;
    for (let ky = 0; ky < nky; ky++) {
      let xp = xr;
      let wp = wr;
      for (let kx = 0; kx < nkx; kx++) {
        const wv = v128.load(wp);
        a0 = mulAdd(v128.load(xp), wv, a0);
        a1 = mulAdd(v128.load(xp + dx), wv, a1);
        a2 = mulAdd(v128.load(xp + dx2), wv, a2);
        a3 = mulAdd(v128.load(xp + dx3), wv, a3);
        xp += xStepX;
        wp += wStepX;
      }
      xr += xStepY;
      wr += wStepY;
    }
    const yp = y0 + off;
    v128.store(yp, a0);
    v128.store(yp + dy, a1);
    v128.store(yp + (dy << 1), a2);
    v128.store(yp + dy * 3, a3);
  }
  for (; ch < c; ch++) {
    const off = <usize>ch << 2;
    const init: f32 = bias != 0 ? load<f32>(bias + off) : 0;
    for (let r: usize = 0; r < 4; r++) {
      store<f32>(y0 + r * dy + off, depthwiseChannel(x0 + r * dx + off, wStart + off, init, nky, nkx, xStepY, xStepX, wStepY, wStepX));
    }
  }
}

// The scalar twin: four channels per pass for independent add chains.
function depthwisePixelScalar(
  xStart: usize, wStart: usize, bias: usize, yPix: usize, c: i32,
  nky: i32, nkx: i32, xStepY: usize, xStepX: usize, wStepY: usize, wStepX: usize,
): void {
  let ch = 0;
  for (; ch + 4 <= c; ch += 4) {
    const off = <usize>ch << 2;
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    if (bias != 0) {
      s0 = load<f32>(bias + off);
      s1 = load<f32>(bias + off, 4);
      s2 = load<f32>(bias + off, 8);
      s3 = load<f32>(bias + off, 12);
    }
    let xr = xStart + off;
    let wr = wStart + off;
    for (let ky = 0; ky < nky; ky++) {
      let xp = xr;
      let wp = wr;
      for (let kx = 0; kx < nkx; kx++) {
        s0 += load<f32>(xp) * load<f32>(wp);
        s1 += load<f32>(xp, 4) * load<f32>(wp, 4);
        s2 += load<f32>(xp, 8) * load<f32>(wp, 8);
        s3 += load<f32>(xp, 12) * load<f32>(wp, 12);
        xp += xStepX;
        wp += wStepX;
      }
      xr += xStepY;
      wr += wStepY;
    }
    store<f32>(yPix + off, s0);
    store<f32>(yPix + off, s1, 4);
    store<f32>(yPix + off, s2, 8);
    store<f32>(yPix + off, s3, 12);
  }
  for (; ch < c; ch++) {
    const off = <usize>ch << 2;
    store<f32>(yPix + off, depthwiseChannel(xStart + off, wStart + off, bias != 0 ? load<f32>(bias + off) : 0, nky, nkx, xStepY, xStepX, wStepY, wStepX));
  }
}

// @ts-ignore: decorator
@inline function depthwiseChannel(
  xp0: usize, wp0: usize, init: f32, nky: i32, nkx: i32, xStepY: usize, xStepX: usize, wStepY: usize, wStepX: usize,
): f32 {
  let s = init;
  let xr = xp0;
  let wr = wp0;
  for (let ky = 0; ky < nky; ky++) {
    let xp = xr;
    let wp = wr;
    for (let kx = 0; kx < nkx; kx++) {
      s += load<f32>(xp) * load<f32>(wp);
      xp += xStepX;
      wp += wStepX;
    }
    xr += xStepY;
    wr += wStepY;
  }
  return s;
}

// One output pixel, multiplier > 1: output channel o reads input channel
// o / multiplier, so a block of four outputs gathers its inputs lane by lane
// (offsets fixed per block, reused across all taps).
function depthwisePixelMultiplier(
  xStart: usize, wStart: usize, bias: usize, yPix: usize, co: i32, multiplier: i32,
  nky: i32, nkx: i32, xStepY: usize, xStepX: usize, wStepY: usize, wStepX: usize,
): void {
  let o = 0;
  if (ASC_FEATURE_SIMD) {
    for (; o + 4 <= co; o += 4) {
      const off = <usize>o << 2;
      const i0 = <usize>(o / multiplier) << 2;
      const i1 = <usize>((o + 1) / multiplier) << 2;
      const i2 = <usize>((o + 2) / multiplier) << 2;
      const i3 = <usize>((o + 3) / multiplier) << 2;
      let acc = bias != 0 ? v128.load(bias + off) : f32x4.splat(0);
      let xr = xStart;
      let wr = wStart + off;
      for (let ky = 0; ky < nky; ky++) {
        let xp = xr;
        let wp = wr;
        for (let kx = 0; kx < nkx; kx++) {
          let v = v128.load32_splat(xp + i0);
          v = v128.load32_lane(xp + i1, v, 1);
          v = v128.load32_lane(xp + i2, v, 2);
          v = v128.load32_lane(xp + i3, v, 3);
          acc = mulAdd(v, v128.load(wp), acc);
          xp += xStepX;
          wp += wStepX;
        }
        xr += xStepY;
        wr += wStepY;
      }
      v128.store(yPix + off, acc);
    }
  }
  for (; o < co; o++) {
    const off = <usize>o << 2;
    const xi = <usize>(o / multiplier) << 2;
    store<f32>(yPix + off, depthwiseChannel(xStart + xi, wStart + off, bias != 0 ? load<f32>(bias + off) : 0, nky, nkx, xStepY, xStepX, wStepY, wStepX));
  }
}

// 3x3, multiplier 1, no dilation, channels a multiple of 4, rows with at
// least DW3X3_MIN_INTERIOR inside pixels; since the strip path below takes
// every 3x3 with stride 1 one way, this one serves stride 2 both ways.
// Narrower rows stay on the generic path: there this path measured 0.9x
// (border pixels). Per output row and block of 4 channels the nine weight vectors stay in
// registers (9 + bias + ~4 temporaries of the 16), so an
// interior pixel costs 9 input loads for 9 multiply-adds instead of 18
// loads, and its sum is a tree of independent adds (depth 4, not a chain
// of 9), so successive pixels overlap: 1.35x the generic path on
// 32x32x32 stride 1, 1.24x at stride 2 (bench/cases/depthwise.ts). A
// kernel row above or below the input reads a valid row with zero weights
// (exact for finite inputs: 0 * x adds +-0); border columns skip their
// outside taps.
const DW3X3_MIN_INTERIOR: i32 = 8;

// @ts-ignore: decorator
@inline function depthwise3x3Fits(w: i32, ow: i32, sw: i32, padLeft: i32): bool {
  const oxIn0 = min(ow, (padLeft + sw - 1) / sw);
  const lastX = w - 3 + padLeft;
  const oxIn1 = lastX < 0 ? 0 : min(ow, lastX / sw + 1);
  return oxIn1 - oxIn0 >= DW3X3_MIN_INTERIOR;
}

function depthwise3x3Simd(
  x: usize, n: i32, h: i32, w: i32, c: i32, weights: usize, bias: usize, y: usize, oh: i32, ow: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, act: i32, p0: f32, p1: f32,
): void {
  const pixBytes = <usize>c << 2;
  const pix2 = pixBytes << 1;
  const rowBytes = pixBytes * <usize>w;
  const stepX = pixBytes * <usize>sw;
  const tap = <usize>c << 2;
  const yRowFloats = ow * c;
  const zero = f32x4.splat(0);
  const oxIn0 = min(ow, (padLeft + sw - 1) / sw);
  const lastX = w - 3 + padLeft;
  const oxIn1 = max(oxIn0, lastX < 0 ? 0 : min(ow, lastX / sw + 1));
  let yRow = y;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * rowBytes * <usize>h;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const v0 = iy0 >= 0 && iy0 < h;
      const v1 = iy0 + 1 >= 0 && iy0 + 1 < h;
      const v2 = iy0 + 2 >= 0 && iy0 + 2 < h;
      const row0 = img + <usize>clampRow(iy0, h) * rowBytes;
      const row1 = img + <usize>clampRow(iy0 + 1, h) * rowBytes;
      const row2 = img + <usize>clampRow(iy0 + 2, h) * rowBytes;
      for (let ch = 0; ch < c; ch += 4) {
        const off = <usize>ch << 2;
        const wp = weights + off;
        const k00 = v0 ? v128.load(wp) : zero;
        const k01 = v0 ? v128.load(wp + tap) : zero;
        const k02 = v0 ? v128.load(wp + 2 * tap) : zero;
        const k10 = v1 ? v128.load(wp + 3 * tap) : zero;
        const k11 = v1 ? v128.load(wp + 4 * tap) : zero;
        const k12 = v1 ? v128.load(wp + 5 * tap) : zero;
        const k20 = v2 ? v128.load(wp + 6 * tap) : zero;
        const k21 = v2 ? v128.load(wp + 7 * tap) : zero;
        const k22 = v2 ? v128.load(wp + 8 * tap) : zero;
        const bv = bias != 0 ? v128.load(bias + off) : zero;
        let yp = yRow + off;
        let ox = 0;
        for (; ox < oxIn0; ox++) {
          v128.store(yp, depthwise3x3Border(row0 + off, row1 + off, row2 + off, ox * sw - padLeft, w, pixBytes, k00, k01, k02, k10, k11, k12, k20, k21, k22, bv));
          yp += pixBytes;
        }
        let xo = <usize>(ox * sw - padLeft) * pixBytes + off;
        for (; ox < oxIn1; ox++) {
          const r0 = row0 + xo;
          const r1 = row1 + xo;
          const r2 = row2 + xo;
          const s0 = mulAdd(v128.load(r0 + pixBytes), k01, f32x4.mul(v128.load(r0), k00));
          const s1 = mulAdd(v128.load(r1), k10, f32x4.mul(v128.load(r0 + pix2), k02));
          const s2 = mulAdd(v128.load(r1 + pix2), k12, f32x4.mul(v128.load(r1 + pixBytes), k11));
          const s3 = mulAdd(v128.load(r2 + pixBytes), k21, f32x4.mul(v128.load(r2), k20));
          const s4 = mulAdd(v128.load(r2 + pix2), k22, bv);
          v128.store(yp, f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), s4));
          xo += stepX;
          yp += pixBytes;
        }
        for (; ox < ow; ox++) {
          v128.store(yp, depthwise3x3Border(row0 + off, row1 + off, row2 + off, ox * sw - padLeft, w, pixBytes, k00, k01, k02, k10, k11, k12, k20, k21, k22, bv));
          yp += pixBytes;
        }
      }
      if (act != ACT_NONE) applyActivationF32(yRow, yRow, yRowFloats, act, p0, p1);
      yRow += <usize>yRowFloats << 2;
    }
  }
}

// @ts-ignore: decorator
@inline function clampRow(iy: i32, h: i32): i32 {
  return iy < 0 ? 0 : iy >= h ? h - 1 : iy;
}

// One border pixel of the 3x3 path: the columns outside the input are
// skipped (rows outside it already carry zero weights).
// @ts-ignore: decorator
@inline function depthwise3x3Border(
  r0: usize, r1: usize, r2: usize, ix0: i32, w: i32, pixBytes: usize,
  k00: v128, k01: v128, k02: v128, k10: v128, k11: v128, k12: v128, k20: v128, k21: v128, k22: v128, bv: v128,
): v128 {
  let acc = bv;
  if (ix0 >= 0 && ix0 < w) {
    const o = <usize>ix0 * pixBytes;
    acc = f32x4.add(acc, mulAdd(v128.load(r2 + o), k20, mulAdd(v128.load(r1 + o), k10, f32x4.mul(v128.load(r0 + o), k00))));
  }
  if (ix0 + 1 >= 0 && ix0 + 1 < w) {
    const o = <usize>(ix0 + 1) * pixBytes;
    acc = f32x4.add(acc, mulAdd(v128.load(r2 + o), k21, mulAdd(v128.load(r1 + o), k11, f32x4.mul(v128.load(r0 + o), k01))));
  }
  if (ix0 + 2 >= 0 && ix0 + 2 < w) {
    const o = <usize>(ix0 + 2) * pixBytes;
    acc = f32x4.add(acc, mulAdd(v128.load(r2 + o), k22, mulAdd(v128.load(r1 + o), k12, f32x4.mul(v128.load(r0 + o), k02))));
  }
  return acc;
}

// 3x3, multiplier 1, no dilation, channels a multiple of 4, stride 1 along
// the strips' direction. A strip is 4 neighbouring outputs along a row (or
// down a column); it reads 6 input pixels per kernel row (column). Holding
// those 6 and the kernel row's 3 weight vectors in registers (13 of the 16
// with the 4 accumulators) costs 9 loads for 12 multiply-adds, where one
// pixel at a time costs 2 loads each. Strips run down the columns when that
// computes fewer outputs: a line's last strip starts at its length - 4 and
// recomputes what it overlaps (stores, not sums, so that is exact), which
// for DS-CNN's 25x5 maps wastes 3 of 8 outputs per row but 3 of 28 per
// column. Pixels outside the input read as zero through a predictable
// branch; kernel rows (columns) outside it are skipped.
// @ts-ignore: decorator
@inline function depthwiseStripOutputs(along: i32, across: i32): i32 {
  return across * (((along + 3) >> 2) << 2);
}

// @ts-ignore: decorator
@inline function depthwise3x3StripsFit(c: i32, oh: i32, ow: i32, sh: i32, sw: i32): bool {
  return (c & 3) == 0 && ((sw == 1 && ow >= 4) || (sh == 1 && oh >= 4));
}

function depthwise3x3Strips(
  x: usize, n: i32, h: i32, w: i32, c: i32, weights: usize, bias: usize, y: usize, oh: i32, ow: i32,
  sh: i32, sw: i32, padTop: i32, padLeft: i32, act: i32, p0: f32, p1: f32,
): void {
  const pix = <usize>c << 2;
  const rowBytes = pix * <usize>w;
  const yRowBytes = pix * <usize>ow;
  const vertical = sh == 1 && oh >= 4 && (sw != 1 || ow < 4 || depthwiseStripOutputs(oh, ow) < depthwiseStripOutputs(ow, oh));
  // "Along" is the strips' direction, "across" the other one.
  const nAlong = vertical ? oh : ow;
  const nAcross = vertical ? ow : oh;
  const strideAcross = vertical ? sw : sh;
  const padAlong = vertical ? padTop : padLeft;
  const padAcross = vertical ? padLeft : padTop;
  const sizeAlong = vertical ? h : w;
  const sizeAcross = vertical ? w : h;
  const xAlong = vertical ? rowBytes : pix;
  const xAcross = vertical ? pix : rowBytes;
  const yAlong = vertical ? yRowBytes : pix;
  const yAcross = vertical ? pix : yRowBytes;
  const wAlong = vertical ? pix * 3 : pix;
  const wAcross = vertical ? pix : pix * 3;
  for (let b = 0; b < n; b++) {
    const img = x + <usize>b * rowBytes * <usize>h;
    const yImg = y + <usize>b * yRowBytes * <usize>oh;
    for (let a = 0; a < nAcross; a++) {
      const i0 = a * strideAcross - padAcross;
      const kLo = max(0, -i0);
      const kHi = min(3, sizeAcross - i0);
      for (let s = 0; s < nAlong; s += 4) {
        const o0 = min(s, nAlong - 4);
        const j0 = o0 - padAlong;
        // Signed, so the base may sit before the line; only valid pixels are read.
        const xBase = <usize>(<isize>img + <isize>(i0 + kLo) * <isize>xAcross + <isize>j0 * <isize>xAlong);
        const yBase = yImg + <usize>a * yAcross + <usize>o0 * yAlong;
        const wBase = weights + <usize>kLo * wAcross;
        if (j0 >= 0 && j0 + 5 < sizeAlong) {
          for (let ch: usize = 0; ch < pix; ch += 16) {
            depthwise3x3Strip(xBase + ch, wBase + ch, bias != 0 ? bias + ch : 0, yBase + ch, xAlong, yAlong, wAlong, xAcross, wAcross, kHi - kLo, true, true, true, true, true, true);
          }
        } else {
          const c0 = j0 >= 0 && j0 < sizeAlong, c1 = j0 + 1 >= 0 && j0 + 1 < sizeAlong, c2 = j0 + 2 >= 0 && j0 + 2 < sizeAlong;
          const c3 = j0 + 3 >= 0 && j0 + 3 < sizeAlong, c4 = j0 + 4 >= 0 && j0 + 4 < sizeAlong, c5 = j0 + 5 >= 0 && j0 + 5 < sizeAlong;
          for (let ch: usize = 0; ch < pix; ch += 16) {
            depthwise3x3Strip(xBase + ch, wBase + ch, bias != 0 ? bias + ch : 0, yBase + ch, xAlong, yAlong, wAlong, xAcross, wAcross, kHi - kLo, c0, c1, c2, c3, c4, c5);
          }
        }
      }
    }
    if (act != ACT_NONE) applyActivationF32(yImg, yImg, oh * ow * c, act, p0, p1);
  }
}

// One strip of 4 outputs for one block of 4 channels (inlined twice: with
// every pixel valid the branches fold away).
// @ts-ignore: decorator
@inline function depthwise3x3Strip(
  xp: usize, wp: usize, bias: usize, yp: usize, xAlong: usize, yAlong: usize, wAlong: usize, xAcross: usize, wAcross: usize, lines: i32,
  c0: bool, c1: bool, c2: bool, c3: bool, c4: bool, c5: bool,
): void {
  const zero = f32x4.splat(0);
  let a0 = bias != 0 ? v128.load(bias) : zero;
  let a1 = a0, a2 = a0, a3 = a0;
  const x2 = xAlong << 1, x3 = x2 + xAlong, x4 = x2 << 1, x5 = x4 + xAlong;
  const w2 = wAlong << 1;
  for (let r = 0; r < lines; r++) {
    const k0 = v128.load(wp), k1 = v128.load(wp + wAlong), k2 = v128.load(wp + w2);
    const v0 = c0 ? v128.load(xp) : zero;
    const v1 = c1 ? v128.load(xp + xAlong) : zero;
    const v2 = c2 ? v128.load(xp + x2) : zero;
    const v3 = c3 ? v128.load(xp + x3) : zero;
    const v4 = c4 ? v128.load(xp + x4) : zero;
    const v5 = c5 ? v128.load(xp + x5) : zero;
    a0 = f32x4.add(a0, mulAdd(v2, k2, mulAdd(v1, k1, f32x4.mul(v0, k0))));
    a1 = f32x4.add(a1, mulAdd(v3, k2, mulAdd(v2, k1, f32x4.mul(v1, k0))));
    a2 = f32x4.add(a2, mulAdd(v4, k2, mulAdd(v3, k1, f32x4.mul(v2, k0))));
    a3 = f32x4.add(a3, mulAdd(v5, k2, mulAdd(v4, k1, f32x4.mul(v3, k0))));
    xp += xAcross;
    wp += wAcross;
  }
  v128.store(yp, a0);
  v128.store(yp + yAlong, a1);
  v128.store(yp + (yAlong << 1), a2);
  v128.store(yp + yAlong * 3, a3);
}
