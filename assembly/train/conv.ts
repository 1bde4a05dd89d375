// Backward of conv1d/conv2d (channels-last, HWIO weights; conv1d is h = 1,
// kh = 1), as the forward pass: a GEMM over im2col patches (Chellapilla et
// al. 2006). Per tile of output pixels and per group:
//   dW_g     += patches^T . dY_g        gemmTransAF32
//   dPatches  = dY_g . W_g^T            gemmF32 against W_g^T packed once per call
//   dX       += col2im(dPatches)        scatter-add of each patch row
// Strides, explicit padding, dilation and groups follow the forward kernel;
// padded taps receive no gradient.

import { gemmF32, gemmPackedBytes, GEMM_MR } from '../kernels/dense';
import { accumulateF32 } from '../kernels/vector';
import { ACT_NONE } from '../kernels/activation';
import { columnSumF32, gemmTransAF32, gemmTransAScratchBytes, packGemmTransposedF32 } from './dense';

/** Upper bound on one tile of patches (and one of patch gradients). */
const TILE_BYTES: i32 = 128 * 1024;

function tilePixels(pixels: i32, k: i32): i32 {
  let t = TILE_BYTES / (k * 4);
  if (t >= pixels) return pixels;
  if (t < GEMM_MR) return min(GEMM_MR, pixels);
  return t - t % GEMM_MR;
}

/** Scratch bytes of conv2dBackwardF32. */
export function conv2dBackwardScratchBytes(n: i32, oh: i32, ow: i32, c: i32, oc: i32, kh: i32, kw: i32, groups: i32): i32 {
  const k = kh * kw * (c / groups);
  const ocg = oc / groups;
  const tile = tilePixels(n * oh * ow, k);
  return groups * gemmPackedBytes(ocg, k) + 2 * tile * k * 4 + gemmTransAScratchBytes(k, ocg);
}

/**
 * Gradients of y = conv(x, w) + b (pre-activation): dx [n][h][w][c],
 * dw [kh][kw][c/groups][oc], db [oc]; any may be 0 (not wanted). w is the
 * raw HWIO weight tensor. Scratch of conv2dBackwardScratchBytes(...).
 */
export function conv2dBackwardF32(
  x: usize, n: i32, h: i32, w: i32, c: i32, wt: usize, dy: usize, oh: i32, ow: i32, oc: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32, groups: i32,
  dx: usize, dwt: usize, db: usize, scratch: usize,
): void {
  const cg = c / groups;
  const ocg = oc / groups;
  const k = kh * kw * cg;
  const pixels = n * oh * ow;
  const tile = tilePixels(pixels, k);
  const packedBytes = <usize>gemmPackedBytes(ocg, k);
  const packedWT = scratch;
  const patches = packedWT + <usize>groups * packedBytes;
  const dPatches = patches + (<usize>(tile * k) << 2);
  const transScratch = dPatches + (<usize>(tile * k) << 2);

  if (db != 0) columnSumF32(dy, pixels, oc, oc, db);
  if (dx != 0) {
    memory.fill(dx, 0, <usize>(n * h * w * c) << 2);
    // W_g^T [ocg][k]: row kk of W_g is row kk of HWIO from column g*ocg.
    for (let g = 0; g < groups; g++) packGemmTransposedF32(wt + (<usize>(g * ocg) << 2), oc, packedWT + <usize>g * packedBytes, ocg, k);
  }
  if (dx == 0 && dwt == 0) return;
  for (let first = 0; first < pixels; first += tile) {
    const rows = min(tile, pixels - first);
    const dyTile = dy + ((<usize>first * <usize>oc) << 2);
    for (let g = 0; g < groups; g++) {
      const dyG = dyTile + (<usize>(g * ocg) << 2);
      if (dwt != 0) {
        patchRows(x, patches, 0, h, w, c, cg, g * cg, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft, first, rows);
        gemmTransAF32(patches, k, dyG, oc, dwt + (<usize>(g * ocg) << 2), oc, rows, k, ocg, first == 0 ? 0 : 1, transScratch);
      }
      if (dx != 0) {
        gemmF32(dyG, oc, packedWT + <usize>g * packedBytes, dPatches, k, rows, k, ocg, ACT_NONE, 0, 0);
        patchRows(dx, dPatches, 1, h, w, c, cg, g * cg, oh, ow, kh, kw, sh, sw, dh, dw, padTop, padLeft, first, rows);
      }
    }
  }
}

/**
 * Moves data between the input image and patch rows of output pixels
 * first .. first+rows-1 (flattened n, oh, ow): k = kh*kw*cg floats each,
 * [ky][kx][ci], input channels c0 .. c0+cg-1 (the forward kernel's im2col
 * layout). scatter == 0: patches = im2col(img), padded taps zero;
 * scatter != 0: img += col2im(patches), padded taps dropped.
 */
function patchRows(
  img: usize, patches: usize, scatter: i32, h: i32, w: i32, c: i32, cg: i32, c0: i32, oh: i32, ow: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, padTop: i32, padLeft: i32,
  first: i32, rows: i32,
): void {
  const plane = oh * ow;
  const tapBytes = <usize>cg << 2;
  let p = patches;
  for (let r = 0; r < rows; r++) {
    const pix = first + r;
    const b = pix / plane;
    const rem = pix - b * plane;
    const oy = rem / ow;
    const ox = rem - oy * ow;
    const base = img + ((<usize>(b * h) * <usize>w * <usize>c + <usize>c0) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - padTop + ky * dh;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ox * sw - padLeft + kx * dw;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        const at = base + ((<usize>(iy * w + ix) * <usize>c) << 2);
        if (scatter != 0) {
          if (inside) accumulateF32(p, at, cg);
        } else if (inside) {
          copyRun(p, at, cg);
        } else {
          memory.fill(p, 0, tapBytes);
        }
        p += tapBytes;
      }
    }
  }
}

// @ts-ignore: decorator
@inline function copyRun(dst: usize, src: usize, count: i32): void {
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
