import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

interface ConvBench {
  name: string;
  h: number; w: number; c: number; oc: number;
  kh: number; kw: number; sh: number; sw: number;
  /** 'same' padding when true, else 'valid'. */
  same: boolean;
}

// TF SAME: out = ceil(in / stride), the odd pad at the end.
function axis(size: number, k: number, s: number, same: boolean): [number, number] {
  if (!same) return [Math.floor((size - k) / s) + 1, 0];
  const out = Math.ceil(size / s);
  return [out, Math.floor(Math.max(0, (out - 1) * s + k - size) / 2)];
}

function convCase(b: ConvBench): KernelBenchCase {
  const [oh, padTop] = axis(b.h, b.kh, b.sh, b.same);
  const [ow, padLeft] = axis(b.w, b.kw, b.sw, b.same);
  return {
    name: `conv ${b.name}`,
    flops: 2 * oh * ow * b.oc * b.kh * b.kw * b.c,
    setup(h) {
      const rng = makeRng(b.h * 31 + b.c * 7 + b.oc);
      const packed = h.alloc(h.call('conv2dPackedBytes', b.kh, b.kw, b.c, b.oc, 1));
      h.call('packConv2dF32', h.put(rng.floats(b.kh * b.kw * b.c * b.oc)), h.put(rng.floats(b.oc)), packed, b.kh, b.kw, b.c, b.oc, 1);
      const geo = [1, b.h, b.w, b.c, oh, ow, b.oc, b.kh, b.kw, b.sh, b.sw, 1, 1, padTop, padLeft, 1];
      const scratch = h.alloc(h.call('conv2dScratchBytes', ...geo));
      const x = h.put(rng.floats(b.h * b.w * b.c));
      const y = h.alloc(oh * ow * b.oc * 4);
      return () => void h.call('conv2dF32', x, 1, b.h, b.w, b.c, packed, y, oh, ow, b.oc, b.kh, b.kw, b.sh, b.sw, 1, 1, padTop, padLeft, 1, 1, 0, 0, scratch);
    },
  };
}

export const cases: KernelBenchCase[] = [
  convCase({ name: '32x32x32->32 3x3 same', h: 32, w: 32, c: 32, oc: 32, kh: 3, kw: 3, sh: 1, sw: 1, same: true }),
  convCase({ name: 'ds-cnn 49x10x1->64 10x4 s2', h: 49, w: 10, c: 1, oc: 64, kh: 10, kw: 4, sh: 2, sw: 2, same: true }),
  convCase({ name: 'deepsense 1d 20x3->64 k5', h: 1, w: 20, c: 3, oc: 64, kh: 1, kw: 5, sh: 1, sw: 1, same: false }),
  convCase({ name: '1x1 25x5x64->64', h: 25, w: 5, c: 64, oc: 64, kh: 1, kw: 1, sh: 1, sw: 1, same: false }),
];
