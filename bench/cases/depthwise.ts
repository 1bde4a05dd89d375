import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

function depthwiseCase(h: number, w: number, c: number, k: number, stride: number): KernelBenchCase {
  // TF SAME padding.
  const oh = Math.ceil(h / stride);
  const ow = Math.ceil(w / stride);
  const padTop = Math.floor(Math.max(0, (oh - 1) * stride + k - h) / 2);
  const padLeft = Math.floor(Math.max(0, (ow - 1) * stride + k - w) / 2);
  return {
    name: `depthwise ${h}x${w}x${c} ${k}x${k} s${stride}`,
    flops: 2 * oh * ow * c * k * k,
    setup(hn) {
      const rng = makeRng(h * 13 + w * 7 + c);
      const x = hn.put(rng.floats(h * w * c));
      const wt = hn.put(rng.floats(k * k * c));
      const b = hn.put(rng.floats(c));
      const y = hn.alloc(oh * ow * c * 4);
      return () => void hn.call('depthwiseConv2dF32', x, 1, h, w, c, wt, b, y, oh, ow, k, k, stride, stride, 1, 1, padTop, padLeft, 1, 1, 0, 0);
    },
  };
}

export const cases: KernelBenchCase[] = [
  depthwiseCase(25, 5, 64, 3, 1),
  depthwiseCase(32, 32, 32, 3, 1),
  depthwiseCase(32, 32, 32, 3, 2),
];
