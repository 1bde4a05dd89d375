// Real-input discrete Fourier transform per interval over the time axis of a
// channels-last window: DeepSense's frequency-domain input (Yao et al.,
// "DeepSense", WWW 2017, section 3.1: each interval of each sensor is fed as
// the real and imaginary parts of its Fourier transform, per axis).
//
//   x [count, length, C]  (count = N * intervals; one interval = length rows)
//   y [count, bins, 2C],  bins = length / 2 + 1 (floor), channels interleaved:
//                         y[.., b, 2c] = Re X_c[b], y[.., b, 2c + 1] = Im X_c[b]
//   X_c[b] = scale * sum_t x[t, c] exp(-2 pi i b t / length)
//
// Interleaving keeps one axis' (re, im) pair adjacent, so the channels of one
// sensor (axes c0..c1 of the input) stay one contiguous channel range
// [2 c0, 2 c1 + 2) of the output, and [N, intervals, bins, 2C] feeds a
// per-interval conv1d over the bins ([N * intervals, bins, 2C], a reshape) or
// a conv2d with a 1 x k kernel directly.
//
// Why a DFT matrix and not an FFT: interval lengths are short and arbitrary
// (20 samples at 20 Hz is the default, not a power of two), and a length-L
// DFT as a GEMM costs 2 L (L/2 + 1) multiply-adds per axis, which for L <= 64
// runs faster through the packed SIMD GEMM than any butterfly network's
// shuffles, and is exact to f32 rounding for every L. The twiddle matrix
// D[t][2b + r] (r = 0: scale cos(2 pi b t / L), r = 1: -scale sin(...)) is
// built by the host in f64 and packed once at load with packGemmF32.
//
// The GEMM wants each axis' samples contiguous, while the input interleaves
// axes per sample, so a block of intervals is first gathered into
// a[(interval, c)][t] in scratch, multiplied (rows = intervals x axes), and
// the (re, im) pairs scattered back channels-last. Gather and scatter are
// moves (the same in both builds; C is 3 or 6 for IMU sensors, too narrow
// for lanes); the arithmetic runs in gemmF32's SIMD or scalar path. With one
// channel the input is already axis-major and the GEMM writes y directly.
//
// Backward (for training; the op is linear): dx[t, c] = sum_{b, r}
// dy[b, 2c + r] D[t][2b + r], i.e. the same gather / GEMM / scatter with the
// transposed matrix D^T [2 bins, L] packed instead of D, the roles of the
// gather and the scatter swapped (gather pairs from dy, scatter rows to dx).
// src/ops/fft.ts exports fftTwiddles() so the trainer packs the same matrix.

import { gemmF32 } from './dense';
import { ACT_NONE } from './activation';

/** Intervals per GEMM call: bounds scratch; 16 x C rows keep the 4-row tile full. */
export const FFT_BLOCK: i32 = 16;

/** Scratch bytes fftF32 needs for `count` intervals (mirrored by src/ops/fft.ts). */
export function fftScratchBytes(count: i32, length: i32, channels: i32): i32 {
  if (channels == 1) return 0;
  const bins = length / 2 + 1;
  const block = min(count, FFT_BLOCK);
  return block * channels * (length + 2 * bins) * 4;
}

/**
 * y = DFT of each interval of x (layout in the file header); `packed` is the
 * twiddle matrix [length, 2 bins] packed by packGemmF32.
 */
export function fftF32(x: usize, packed: usize, y: usize, count: i32, length: i32, channels: i32, scratch: usize): void {
  const bins = length / 2 + 1;
  const outCols = 2 * bins;
  if (channels == 1) {
    gemmF32(x, length, packed, y, outCols, count, outCols, length, ACT_NONE, 0, 0);
    return;
  }
  const intervalBytes = <usize>(length * channels) << 2;
  const outIntervalBytes = <usize>(bins * 2 * channels) << 2;
  for (let i0 = 0; i0 < count; i0 += FFT_BLOCK) {
    const blk = min(FFT_BLOCK, count - i0);
    const rows = blk * channels;
    const a = scratch;
    const g = scratch + (<usize>(rows * length) << 2);
    gatherAxes(x + <usize>i0 * intervalBytes, a, blk, length, channels);
    gemmF32(a, length, packed, g, outCols, rows, outCols, length, ACT_NONE, 0, 0);
    scatterPairs(g, y + <usize>i0 * outIntervalBytes, blk, bins, channels);
  }
}

/** a[(i * C + c) * L + t] = x[(i * L + t) * C + c]. */
function gatherAxes(x: usize, a: usize, blk: i32, length: i32, channels: i32): void {
  const rowBytes = <usize>channels << 2;
  let dst = a;
  for (let i = 0; i < blk; i++) {
    const xi = x + <usize>(i * length) * rowBytes;
    for (let c = 0; c < channels; c++) {
      let src = xi + (<usize>c << 2);
      for (let t = 0; t < length; t++) {
        store<f32>(dst, load<f32>(src));
        dst += 4;
        src += rowBytes;
      }
    }
  }
}

/** y[(i * bins + b) * 2C + 2c + r] = g[((i * C + c) * bins + b) * 2 + r]; pairs move as one i64. */
function scatterPairs(g: usize, y: usize, blk: i32, bins: i32, channels: i32): void {
  const yRowBytes = <usize>channels << 3;
  let src = g;
  for (let i = 0; i < blk; i++) {
    const yi = y + <usize>(i * bins) * yRowBytes;
    for (let c = 0; c < channels; c++) {
      let dst = yi + (<usize>c << 3);
      for (let b = 0; b < bins; b++) {
        store<i64>(dst, load<i64>(src));
        src += 8;
        dst += yRowBytes;
      }
    }
  }
}
