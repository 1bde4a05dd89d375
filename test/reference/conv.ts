// Reference convolution in f64, NHWC, straight from the definition:
//   y[b][oy][ox][o] = act(bias[o] + sum over ky, kx, ci of
//     x[b][oy*sh - padTop + ky*dh][ox*sw - padLeft + kx*dw][g*cg + ci] * w[ky][kx][ci][o])
// with g = floor(o / (oc / groups)), cg = c / groups, and taps outside the
// input reading 0. Written for clarity; never imports the code under test.
import { applyActivation, type ActivationSpec } from './activation.ts';

export interface ConvShape {
  n: number; h: number; w: number; c: number;
  oh: number; ow: number;
  kh: number; kw: number;
  sh: number; sw: number; dh: number; dw: number;
  padTop: number; padLeft: number;
}

export type PaddingSpec = 'valid' | 'same' | [number, number];

/**
 * Output size and leading pad of one axis. 'same' follows TensorFlow's SAME
 * (= ONNX SAME_UPPER): out = ceil(in / stride), the odd pad goes at the end.
 * An explicit [begin, end] pair pads as given.
 */
export function refWindow(inSize: number, kernel: number, stride: number, dilation: number, padding: PaddingSpec): { out: number; padBegin: number } {
  const span = dilation * (kernel - 1) + 1;
  if (padding === 'valid') return { out: Math.floor((inSize - span) / stride) + 1, padBegin: 0 };
  if (padding === 'same') {
    const out = Math.ceil(inSize / stride);
    const total = Math.max((out - 1) * stride + span - inSize, 0);
    return { out, padBegin: Math.floor(total / 2) };
  }
  return { out: Math.floor((inSize + padding[0] + padding[1] - span) / stride) + 1, padBegin: padding[0] };
}

export function conv2dRef(
  x: ArrayLike<number>, wt: ArrayLike<number>, bias: ArrayLike<number> | null, s: ConvShape, oc: number, groups: number,
  act: ActivationSpec = { kind: 'none' },
): Float64Array {
  const cg = s.c / groups;
  const ocg = oc / groups;
  const y = new Float64Array(s.n * s.oh * s.ow * oc);
  for (let b = 0; b < s.n; b++) {
    for (let oy = 0; oy < s.oh; oy++) {
      for (let ox = 0; ox < s.ow; ox++) {
        for (let o = 0; o < oc; o++) {
          const g = Math.floor(o / ocg);
          let sum = bias ? bias[o] : 0;
          for (let ky = 0; ky < s.kh; ky++) {
            const iy = oy * s.sh - s.padTop + ky * s.dh;
            if (iy < 0 || iy >= s.h) continue;
            for (let kx = 0; kx < s.kw; kx++) {
              const ix = ox * s.sw - s.padLeft + kx * s.dw;
              if (ix < 0 || ix >= s.w) continue;
              for (let ci = 0; ci < cg; ci++) {
                const xv = x[((b * s.h + iy) * s.w + ix) * s.c + g * cg + ci];
                const wv = wt[((ky * s.kw + kx) * cg + ci) * oc + o];
                sum += xv * wv;
              }
            }
          }
          y[((b * s.oh + oy) * s.ow + ox) * oc + o] = applyActivation(sum, act);
        }
      }
    }
  }
  return y;
}
