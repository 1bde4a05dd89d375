// 2-D convolution (and 1-D, as h = 1, kh = 1) on channels-last tensors, as
// a GEMM: y[pixel][oc] = act(patch[pixel][kh*kw*cg] . W[kh*kw*cg][oc] + b).
//
// Weights arrive as HWIO [kh][kw][cg][oc], which is already the row-major
// k x n matrix the GEMM wants when a patch row is laid out [ky][kx][ci]; each
// group's column slice is packed once, at load, by packGemmF32.
//
// A 1x1, stride-1, unpadded conv needs no patches at all: the NHWC input is
// the patch matrix (rows = pixels, lda = c), so it is one GEMM per group
// straight from x into y. In the SIMD build, a one-group conv with unit
// column dilation reads its patches in place too, as kh runs of kw*c floats
// (conv2dRowsSimd: 1.1-1.3x over im2col on 3x3 layers). Everything else
// copies the patches of a tile of output pixels into scratch (im2col) and
// runs the GEMM on the tile; tiles keep scratch bounded and hot in cache
// instead of expanding the whole image kh*kw times (Chellapilla et al. 2006,
// "High performance convolutional neural networks for document processing",
// for im2col; XNNPACK tiles the same way through its indirection buffer).

import { gemmF32, gemmPackedBytes, gemmSegmentsF32, packGemmF32, GEMM_MR } from './dense';
import { endValidTap, firstValidTap } from './window';

/** Upper bound on the im2col tile, unless one GEMM row tile alone is larger. */
const CONV_TILE_BYTES: i32 = 64 * 1024;

/**
 * Shortest kernel-row run (kw * c floats) read in place by the SIMD path.
 * Measured: a 3-channel 3x3 stem (run 9) is 1.35x faster in place, DS-CNN's
 * 1-channel 10x4 stem (run 4) no faster than with im2col, whose per-run
 * loop then costs as much as the copy.
 */
const CONV_RUN_MIN: i32 = 8;

/** Packed size in bytes of HWIO weights (+ bias): one GEMM panel set per group. */
export function conv2dPackedBytes(kh: i32, kw: i32, cg: i32, oc: i32, groups: i32): i32 {
  return groups * gemmPackedBytes(kh * kw * cg, oc / groups);
}

/**
 * Packs HWIO weights w[kh][kw][cg][oc] and bias[oc] (or none when bias == 0)
 * into `packed`: group g's columns g*ocg .. (g+1)*ocg-1 read in place through
 * the row stride, so no transposed copy is ever made.
 */
export function packConv2dF32(w: usize, bias: usize, packed: usize, kh: i32, kw: i32, cg: i32, oc: i32, groups: i32): void {
  const ocg = oc / groups;
  const k = kh * kw * cg;
  const groupBytes = <usize>gemmPackedBytes(k, ocg);
  for (let g = 0; g < groups; g++) {
    const col = <usize>(g * ocg) << 2;
    packGemmF32(w + col, oc, bias != 0 ? bias + col : 0, packed + <usize>g * groupBytes, k, ocg);
  }
}

// @ts-ignore: decorator
@inline function isPointwise(h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, padTop: i32, padLeft: i32): bool {
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && padTop == 0 && padLeft == 0 && oh == h && ow == w;
}

/** Output pixels per im2col tile: a multiple of the GEMM's row tile when it can be. */
function conv2dTilePixels(pixels: i32, k: i32): i32 {
  let t = CONV_TILE_BYTES / (k * 4);
  if (t >= pixels) return pixels;
  if (t < GEMM_MR) return min(GEMM_MR, pixels);
  return t - t % GEMM_MR;
}

/** Scratch bytes conv2dF32 needs for these arguments (0 for the pointwise path). */
export function conv2dScratchBytes(
  n: i32, h: i32, w: i32, c: i32, oh: i32, ow: i32, oc: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, groups: i32,
): i32 {
  if (isPointwise(h, w, oh, ow, kh, kw, sh, sw, padTop, padLeft)) return 0;
  const k = kh * kw * (c / groups);
  return conv2dTilePixels(n * oh * ow, k) * k * 4;
}

/**
 * y[n][oh][ow][oc] = act(conv(x[n][h][w][c], W) + bias), W packed by
 * packConv2dF32. Padding is explicit: padTop/padLeft shift the window, the
 * bottom/right padding follows from oh/ow, and padded taps read as zero.
 * `scratch` holds conv2dScratchBytes(...) bytes.
 */
export function conv2dF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, packed: usize, y: usize, oh: i32, ow: i32, oc: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, groups: i32,
  act: i32, p0: f32, p1: f32, scratch: usize,
): void {
  const cg = c / groups;
  const ocg = oc / groups;
  const k = kh * kw * cg;
  const groupBytes = <usize>gemmPackedBytes(k, ocg);
  if (isPointwise(h, w, oh, ow, kh, kw, sh, sw, padTop, padLeft)) {
    // The input rows are the patches; a group reads its channel slice (lda = c)
    // and writes its column slice of y (ldc = oc).
    const m = n * h * w;
    for (let g = 0; g < groups; g++) {
      gemmF32(x + (<usize>(g * cg) << 2), c, packed + <usize>g * groupBytes, y + (<usize>(g * ocg) << 2), oc, m, ocg, k, act, p0, p1);
    }
    return;
  }
  if (ASC_FEATURE_SIMD) {
    if (groups == 1 && dw == 1 && kw * c >= CONV_RUN_MIN) {
      conv2dRowsSimd(x, n, h, w, c, packed, y, oh, ow, oc, kh, kw, sh, sw, dh, padTop, padLeft, act, p0, p1, scratch);
      return;
    }
  }
  const pixels = n * oh * ow;
  const tile = conv2dTilePixels(pixels, k);
  for (let first = 0; first < pixels; first += tile) {
    const rows = min(tile, pixels - first);
    const yTile = y + (<usize>first * <usize>oc << 2);
    for (let g = 0; g < groups; g++) {
      im2colTile(x, h, w, c, cg, g * cg, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft, first, rows, scratch);
      gemmF32(scratch, k, packed + <usize>g * groupBytes, yTile + (<usize>(g * ocg) << 2), oc, rows, ocg, k, act, p0, p1);
    }
  }
}

/**
 * One group, unit column dilation: the kw taps of a kernel row are one run
 * of kw*c floats in the input row, so the patch of an output pixel is kh
 * runs, one input row apart, and the GEMM reads them in place
 * (gemmSegmentsF32, the "implicit im2col" of cuDNN's and XNNPACK's indirect
 * convolutions, minus the indirection buffer): per output row, every
 * column whose window lies inside the input is one GEMM row, with
 * lda = sw*c. Kernel rows above or below the input are simply not part of
 * that output row's runs. The few columns whose window crosses the left or
 * right border are copied (im2col), a column at a time.
 */
function conv2dRowsSimd(
  x: usize, n: i32, h: i32, w: i32, c: i32, packed: usize, y: usize, oh: i32, ow: i32, oc: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, padTop: i32, padLeft: i32,
  act: i32, p0: f32, p1: f32, scratch: usize,
): void {
  const k = kh * kw * c;
  const run = kw * c;
  const rowFloats = w * c;
  const yRowBytes = <usize>(ow * oc) << 2;
  const yPixBytes = <usize>oc << 2;
  const oxIn0 = min(ow, (padLeft + sw - 1) / sw);
  const lastX = w - kw + padLeft;
  const oxIn1 = max(oxIn0, lastX < 0 ? 0 : min(ow, lastX / sw + 1));
  let yRow = y;
  for (let b = 0; b < n; b++) {
    const img = x + (<usize>b * <usize>h * <usize>rowFloats << 2);
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padTop;
      const kyLo = firstValidTap(iy0, dh);
      const nky = max(0, endValidTap(iy0, dh, h, kh) - kyLo);
      if (oxIn1 > oxIn0) {
        const iy = nky > 0 ? iy0 + kyLo * dh : 0;
        const a = img + (<usize>(iy * rowFloats + (oxIn0 * sw - padLeft) * c) << 2);
        gemmSegmentsF32(a, sw * c, dh * rowFloats, nky, run, packed, k, kyLo * run, yRow + <usize>oxIn0 * yPixBytes, oc, oxIn1 - oxIn0, oc, act, p0, p1);
      }
      yRow += yRowBytes;
    }
  }
  // Border columns: one column of all n*oh output rows at a time, copied in
  // chunks that fit the scratch tile, one GEMM per chunk (ldc = ow*oc).
  const rowsTotal = n * oh;
  const tile = conv2dTilePixels(n * oh * ow, k);
  const kBytes = <usize>k << 2;
  for (let ox = 0; ox < ow; ox++) {
    if (ox == oxIn0 && oxIn1 > oxIn0) ox = oxIn1;
    if (ox >= ow) break;
    for (let q0 = 0; q0 < rowsTotal; q0 += tile) {
      const rows = min(tile, rowsTotal - q0);
      for (let r = 0; r < rows; r++) {
        im2colTile(x, h, w, c, c, 0, oh, ow, kh, kw, sh, sw, dh, 1, padTop, padLeft, (q0 + r) * ow + ox, 1, scratch + <usize>r * kBytes);
      }
      gemmF32(scratch, k, packed, y + <usize>(q0 * ow + ox) * yPixBytes, ow * oc, rows, oc, k, act, p0, p1);
    }
  }
}

/**
 * Writes the patches of output pixels first .. first+rows-1 (flattened over
 * n, oh, ow) as rows of k = kh*kw*cg floats, [ky][kx][ci], channels c0 ..
 * c0+cg-1 of the input.
 */
function im2colTile(
  x: usize, h: i32, w: i32, c: i32, cg: i32, c0: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  first: i32, rows: i32, dst: usize,
): void {
  const planePixels = oh * ow;
  let b = first / planePixels;
  const rem = first - b * planePixels;
  let oy = rem / ow;
  let ox = rem - oy * ow;
  const pixBytes = <usize>c << 2;
  const rowBytes = pixBytes * <usize>w;
  const tapBytes = <usize>cg << 2;
  const kwBytes = tapBytes * <usize>kw;
  // With one group and unit column dilation the kw taps of a kernel row are
  // one contiguous run of kw*c floats in the input row.
  const runs = cg == c && dw == 1;
  let img = x + <usize>b * rowBytes * <usize>h + (<usize>c0 << 2);
  for (let r = 0; r < rows; r++) {
    const iy0 = oy * sh - padTop;
    const ix0 = ox * sw - padLeft;
    if (runs) {
      im2colRunsPixel(img, h, w, c, kh, kw, dh, iy0, ix0, rowBytes, dst);
      dst += kwBytes * <usize>kh;
    } else for (let ky = 0; ky < kh; ky++) {
      const iy = iy0 + ky * dh;
      if (iy < 0 || iy >= h) {
        fillZeroF32(dst, kw * cg);
        dst += kwBytes;
        continue;
      }
      const src = img + <usize>iy * rowBytes;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ix0 + kx * dw;
        if (ix < 0 || ix >= w) fillZeroF32(dst, cg);
        else copyF32(dst, src + <usize>ix * pixBytes, cg);
        dst += tapBytes;
      }
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
        img += rowBytes * <usize>h;
      }
    }
  }
}

/**
 * The patch of one output pixel when each kernel row is one run of kw*c
 * input floats: the rows and columns inside the input are found once per
 * pixel, not per kernel row, so a row costs zeros, run, zeros (one vector
 * move for DS-CNN's 1-channel 10x4 stem, whose 4-float runs made the
 * per-row clipping cost as much as the copy).
 */
function im2colRunsPixel(
  img: usize, h: i32, w: i32, c: i32, kh: i32, kw: i32, dh: i32, iy0: i32, ix0: i32, rowBytes: usize, dst: usize,
): void {
  const run = kw * c;
  // Clamped so that rows (columns) outside fill exactly the patch.
  const kyLo = min(kh, firstValidTap(iy0, dh));
  const kyHi = max(kyLo, endValidTap(iy0, dh, h, kh));
  const kxLo = min(kw, firstValidTap(ix0, 1));
  const kxHi = max(kxLo, endValidTap(ix0, 1, w, kw));
  const lead = kxLo * c;
  const body = (kxHi - kxLo) * c;
  const tail = run - lead - body;
  const runBytes = <usize>run << 2;
  if (kyLo > 0) fillZeroF32(dst, kyLo * run);
  let d = dst + <usize>kyLo * runBytes;
  let src = img + <usize>(iy0 + kyLo * dh) * rowBytes + (<usize>((ix0 + kxLo) * c) << 2);
  const step = rowBytes * <usize>dh;
  if (ASC_FEATURE_SIMD && body == 4 && lead == 0 && tail == 0) {
    for (let ky = kyLo; ky < kyHi; ky++) {
      v128.store(d, v128.load(src));
      d += runBytes;
      src += step;
    }
  } else {
    for (let ky = kyLo; ky < kyHi; ky++) {
      if (lead > 0) fillZeroF32(d, lead);
      if (body > 0) copyF32(d + (<usize>lead << 2), src, body);
      if (tail > 0) fillZeroF32(d + (<usize>(lead + body) << 2), tail);
      d += runBytes;
      src += step;
    }
  }
  if (kyHi < kh) fillZeroF32(d, (kh - kyHi) * run);
}

// Patch runs are often a handful of floats (cg = 1..16), where memory.copy's
// per-call cost dominates; plain vector moves are cheaper there.
// @ts-ignore: decorator
@inline function copyF32(dst: usize, src: usize, count: i32): void {
  if (count >= 64) {
    memory.copy(dst, src, <usize>count << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, v128.load(src + o));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(src + o));
  }
}

// @ts-ignore: decorator
@inline function fillZeroF32(dst: usize, count: i32): void {
  if (count >= 64) {
    memory.fill(dst, 0, <usize>count << 2);
    return;
  }
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) v128.store(dst + (<usize>i << 2), zero);
  }
  for (; i < count; i++) store<f32>(dst + (<usize>i << 2), 0);
}
