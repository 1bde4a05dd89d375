// Reference depthwise convolution in f64, NHWC, straight from the definition:
//   y[b][oy][ox][ci*m + j] = act(bias[ci*m + j] + sum over ky, kx of
//     x[b][oy*sh - padTop + ky*dh][ox*sw - padLeft + kx*dw][ci] * w[ky][kx][ci*m + j])
// with taps outside the input reading 0. Never imports the code under test.
import { applyActivation, type ActivationSpec } from './activation.ts';
import type { ConvShape } from './conv.ts';

export function depthwiseConv2dRef(
  x: ArrayLike<number>, wt: ArrayLike<number>, bias: ArrayLike<number> | null, s: ConvShape, multiplier: number,
  act: ActivationSpec = { kind: 'none' },
): Float64Array {
  const co = s.c * multiplier;
  const y = new Float64Array(s.n * s.oh * s.ow * co);
  for (let b = 0; b < s.n; b++) {
    for (let oy = 0; oy < s.oh; oy++) {
      for (let ox = 0; ox < s.ow; ox++) {
        for (let ci = 0; ci < s.c; ci++) {
          for (let j = 0; j < multiplier; j++) {
            const o = ci * multiplier + j;
            let sum = bias ? bias[o] : 0;
            for (let ky = 0; ky < s.kh; ky++) {
              const iy = oy * s.sh - s.padTop + ky * s.dh;
              if (iy < 0 || iy >= s.h) continue;
              for (let kx = 0; kx < s.kw; kx++) {
                const ix = ox * s.sw - s.padLeft + kx * s.dw;
                if (ix < 0 || ix >= s.w) continue;
                sum += x[((b * s.h + iy) * s.w + ix) * s.c + ci] * wt[(ky * s.kw + kx) * co + o];
              }
            }
            y[((b * s.oh + oy) * s.ow + ox) * co + o] = applyActivation(sum, act);
          }
        }
      }
    }
  }
  return y;
}
