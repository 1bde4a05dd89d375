import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

// flops: the projection GEMM and the per-step recurrent GEMMs, 2 per
// multiply-add; the gate math is O(H) per step and not counted.
function lstmCase(n: number, t: number, inSize: number, hidden: number): KernelBenchCase {
  return {
    name: `lstm n${n} t${t} i${inSize} h${hidden}`,
    flops: 2 * n * t * (inSize + hidden) * 4 * hidden,
    setup(h) {
      const rng = makeRng(n * 7 + t * 13 + inSize * 17 + hidden);
      const g = 4 * hidden;
      const pW = h.alloc(h.call('lstmPackedWBytes', inSize, hidden));
      const pR = h.alloc(h.call('lstmPackedRBytes', hidden));
      h.call('packLstmInputF32', h.put(rng.floats(inSize * g, 1 / Math.sqrt(inSize))), h.put(rng.floats(g, 0.1)), h.put(rng.floats(g, 0.1)), pW, inSize, hidden);
      h.call('packLstmRecurrentF32', h.put(rng.floats(hidden * g, 1 / Math.sqrt(hidden))), pR, hidden);
      const x = h.put(rng.floats(n * t * inSize));
      const y = h.alloc(n * hidden * 4);
      const scratch = h.alloc(h.call('lstmScratchBytes', n, t, hidden));
      return () => void h.call('lstmF32', x, pW, pR, 0, 0, y, scratch, n, t, inSize, hidden, 0, 0);
    },
  };
}

// HAR-style LSTM over raw inertial windows: 200 samples of 6 channels
// (3-axis accelerometer + gyroscope), 64 cells, batch 1.
export const cases: KernelBenchCase[] = [lstmCase(1, 200, 6, 64)];
