import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

// flops: the projection GEMM and the per-step recurrent GEMMs, 2 per
// multiply-add; the gate math is O(H) per step and not counted.
function gruCase(n: number, t: number, inSize: number, hidden: number, linearBeforeReset: number): KernelBenchCase {
  return {
    name: `gru n${n} t${t} i${inSize} h${hidden} lbr${linearBeforeReset}`,
    flops: 2 * n * t * (inSize + hidden) * 3 * hidden,
    setup(h) {
      const rng = makeRng(n * 7 + t * 13 + inSize * 17 + hidden);
      const g = 3 * hidden;
      const pW = h.alloc(h.call('gruPackedWBytes', inSize, hidden));
      const pR = h.alloc(h.call('gruPackedRBytes', hidden, linearBeforeReset));
      const bR = h.put(rng.floats(g, 0.1));
      h.call('packGruInputF32', h.put(rng.floats(inSize * g, 1 / Math.sqrt(inSize))), h.put(rng.floats(g, 0.1)), bR, pW, inSize, hidden, linearBeforeReset);
      h.call('packGruRecurrentF32', h.put(rng.floats(hidden * g, 1 / Math.sqrt(hidden))), bR, pR, hidden, linearBeforeReset);
      const x = h.put(rng.floats(n * t * inSize));
      const y = h.alloc(n * hidden * 4);
      const scratch = h.alloc(h.call('gruScratchBytes', n, t, hidden));
      return () => void h.call('gruF32', x, pW, pR, 0, y, scratch, n, t, inSize, hidden, 0, 0, linearBeforeReset);
    },
  };
}

// A DeepSense-sized recurrent layer (Yao et al., WWW 2017, stacks GRUs of
// 120 cells over the per-interval features): T = 10 intervals of 64
// features, batch 1, in both reset forms.
export const cases: KernelBenchCase[] = [gruCase(1, 10, 64, 120, 0), gruCase(1, 10, 64, 120, 1)];
