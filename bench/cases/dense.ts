import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

function denseCase(m: number, n: number, k: number): KernelBenchCase {
  return {
    name: `dense ${m}x${n}x${k}`,
    flops: 2 * m * n * k,
    setup(h) {
      const rng = makeRng(m * 7 + n * 13 + k);
      const packed = h.alloc(h.call('gemmPackedBytes', k, n));
      h.call('packGemmF32', h.put(rng.floats(k * n)), n, h.put(rng.floats(n)), packed, k, n);
      const x = h.put(rng.floats(m * k));
      const y = h.alloc(m * n * 4);
      return () => void h.call('denseF32', x, packed, y, m, n, k, 1, 0, 0);
    },
  };
}

export const cases: KernelBenchCase[] = [denseCase(1, 256, 256), denseCase(10, 360, 120), denseCase(256, 256, 256)];
