// Softmax on classifier heads and attention-sized rows, plus one over a
// non-last axis (inner > 1). `flops` counts one operation per element.
import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

function softmaxCase(kernel: 'softmaxF32' | 'logSoftmaxF32', outer: number, len: number, inner: number): KernelBenchCase {
  return {
    name: `${kernel === 'softmaxF32' ? 'softmax' : 'logSoftmax'} ${outer}x${len}x${inner}`,
    flops: outer * len * inner,
    setup(h) {
      const x = h.put(makeRng(outer + len + inner).floats(outer * len * inner, 8));
      const y = h.alloc(outer * len * inner * 4);
      return () => void h.call(kernel, x, y, outer, len, inner);
    },
  };
}

export const cases: KernelBenchCase[] = [
  softmaxCase('softmaxF32', 1, 12, 1),
  softmaxCase('softmaxF32', 1, 1000, 1),
  softmaxCase('softmaxF32', 64, 64, 1),
  softmaxCase('logSoftmaxF32', 32, 35, 1),
  softmaxCase('softmaxF32', 8, 10, 16),
];
