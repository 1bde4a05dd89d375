// Pooling and mean on shapes from small sensor CNNs. `flops` counts one
// operation (max or add) per window tap per output.
import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

interface PoolBench {
  name: string;
  kind: 'max' | 'avg';
  h: number; w: number; c: number;
  k: number; s: number;
  /** Symmetric padding on both axes (k = 3, pad 1 is the usual 'same'). */
  pad: number;
}

function poolCase(b: PoolBench): KernelBenchCase {
  const oh = Math.floor((b.h + 2 * b.pad - b.k) / b.s) + 1;
  const ow = Math.floor((b.w + 2 * b.pad - b.k) / b.s) + 1;
  const kh = b.h === 1 ? 1 : b.k;
  const outH = b.h === 1 ? 1 : oh;
  const padTop = b.h === 1 ? 0 : b.pad;
  return {
    name: `${b.kind}Pool ${b.name}`,
    flops: outH * ow * b.c * kh * b.k,
    setup(h) {
      const rng = makeRng(b.h * 17 + b.w * 5 + b.c);
      const x = h.put(rng.floats(b.h * b.w * b.c));
      const y = h.alloc(outH * ow * b.c * 4);
      const args = [x, 1, b.h, b.w, b.c, y, outH, ow, kh, b.k, b.h === 1 ? 1 : b.s, b.s, padTop, b.pad];
      if (b.kind === 'max') return () => void h.call('maxPool2dF32', ...args);
      return () => void h.call('avgPool2dF32', ...args, padTop, b.pad, 0);
    },
  };
}

function meanCase(name: string, outer: number, len: number, inner: number): KernelBenchCase {
  return {
    name: `mean ${name}`,
    flops: outer * len * inner,
    setup(h) {
      const rng = makeRng(outer * 3 + len + inner);
      const x = h.put(rng.floats(outer * len * inner));
      const y = h.alloc(outer * inner * 4);
      return () => void h.call('meanF32', x, outer, len, inner, y);
    },
  };
}

export const cases: KernelBenchCase[] = [
  poolCase({ name: '32x32x16 k2 s2', kind: 'max', h: 32, w: 32, c: 16, k: 2, s: 2, pad: 0 }),
  poolCase({ name: '49x10x64 k3 s1 p1', kind: 'max', h: 49, w: 10, c: 64, k: 3, s: 1, pad: 1 }),
  poolCase({ name: '1x128x30 k3 s2 (1-D)', kind: 'max', h: 1, w: 128, c: 30, k: 3, s: 2, pad: 0 }),
  poolCase({ name: '16x16x32 k3 s2 p1', kind: 'avg', h: 16, w: 16, c: 32, k: 3, s: 2, pad: 1 }),
  meanCase('global 7x7x128', 1, 49, 128),
  meanCase('time 100x64', 1, 100, 64),
  meanCase('last axis 64x100', 64, 100, 1),
];
