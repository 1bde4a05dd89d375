// fft: real-input DFT per interval over the time axis (DeepSense's
// frequency-domain input). Kernel and layout: assembly/kernels/fft.ts.
//   x [N, T, C] with T = intervals * length
//   y [N, intervals, bins, 2C], bins = floor(length / 2) + 1,
//     y[n, i, b, 2c] = Re, y[n, i, b, 2c + 1] = Im of
//     scale * sum_t x[n, i * length + t, c] exp(-2 pi i b t / length)
// Attrs: intervals (>= 1), length (>= 1),
//   normalize 'none' (scale 1, default) | 'ortho' (1 / sqrt(length)) | 'length' (1 / length).
// For a per-interval conv1d over the bins reshape y to [N * intervals, bins, 2C].
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { enumAttr, intAttr } from './attrs.ts';
import { gemmPackedBytes } from './dense.ts';
import type { OpDef } from './types.ts';

export const FFT_NORMALIZATIONS = ['none', 'ortho', 'length'] as const;
export type FftNormalization = (typeof FFT_NORMALIZATIONS)[number];

/** Mirror of FFT_BLOCK in assembly/kernels/fft.ts. */
const FFT_BLOCK = 16;

export function fftBins(length: number): number {
  return Math.floor(length / 2) + 1;
}

/** Mirror of fftScratchBytes in assembly/kernels/fft.ts. */
export function fftScratchBytes(count: number, length: number, channels: number): number {
  if (channels === 1) return 0;
  return Math.min(count, FFT_BLOCK) * channels * (length + 2 * fftBins(length)) * 4;
}

/**
 * The twiddle matrix D [length, 2 bins], row-major: D[t][2b] = scale cos(2 pi b t / L),
 * D[t][2b + 1] = -scale sin(2 pi b t / L). Forward: y_c = x_c . D per axis;
 * backward: dx_c = dy_c . D^T (the op is linear).
 */
export function fftTwiddles(length: number, normalize: FftNormalization = 'none'): Float32Array {
  const bins = fftBins(length);
  const scale = normalize === 'ortho' ? 1 / Math.sqrt(length) : normalize === 'length' ? 1 / length : 1;
  const d = new Float32Array(length * 2 * bins);
  for (let t = 0; t < length; t++) {
    for (let b = 0; b < bins; b++) {
      // Reduce b t mod L in integers so the angle stays exact for any length.
      const angle = (2 * Math.PI * ((b * t) % length)) / length;
      d[t * 2 * bins + 2 * b] = scale * Math.cos(angle);
      d[t * 2 * bins + 2 * b + 1] = -scale * Math.sin(angle);
    }
  }
  return d;
}

function readFftAttrs(attrs: Attrs, where: ErrorWhere) {
  return {
    intervals: intAttr(attrs, 'intervals', where, undefined, 1),
    length: intAttr(attrs, 'length', where, undefined, 1),
    normalize: enumAttr(attrs, 'normalize', where, FFT_NORMALIZATIONS, 'none'),
  };
}

export const fftOp: OpDef = {
  type: 'fft',
  inputs: [{ name: 'x' }],
  outputs: 1,
  infer(ins, attrs, where) {
    const [x] = ins;
    const { intervals, length } = readFftAttrs(attrs, where);
    if (!x || x.shape.length !== 3) return fail('MODEL_SHAPE_MISMATCH', 'fft input must be [N, T, C]', { where, found: x ? `[${x.shape}]` : 'none' });
    const [n, t, c] = x.shape;
    if (t !== intervals * length) {
      fail('MODEL_SHAPE_MISMATCH', 'fft input time steps must equal intervals x length', { where, expected: `${intervals} x ${length} = ${intervals * length}`, found: t });
    }
    return [{ shape: [n, intervals, fftBins(length), 2 * c], dtype: 'f32' }];
  },
  macs({ ins, attrs, op }) {
    const { length } = readFftAttrs(attrs, { op: op.name });
    return elementCount(ins[0]!.shape) * 2 * fftBins(length);
  },
  compile({ op, ins, attrs }) {
    const { intervals, length, normalize } = readFftAttrs(attrs, { op: op.name });
    const [n, , c] = ins[0]!.shape;
    const count = n * intervals;
    const cols = 2 * fftBins(length);
    return {
      scratchBytes: fftScratchBytes(count, length, c),
      weights: [{
        bytes: gemmPackedBytes(length, cols),
        init(kx, dst, stage) {
          const d = stage(fftTwiddles(length, normalize));
          (kx.packGemmF32 as (...a: number[]) => void)(d, cols, 0, dst, length, cols);
        },
      }],
      records: (a) => [{ opcode: OPCODES.FFT, args: [a.input(0), a.weight(0), a.output(0), count, length, c, a.scratch] }],
    };
  },
};
