import { makeRng } from '../../src/util/rng.ts';
import { fftBins, fftTwiddles } from '../../src/ops/fft.ts';
import type { KernelBenchCase } from './types.ts';

/** DeepSense's input transform: `count` intervals of `length` samples x `c` axes. */
function fftCase(count: number, length: number, c: number): KernelBenchCase {
  const cols = 2 * fftBins(length);
  return {
    name: `fft ${count}x${length}x${c}`,
    // Useful work of the real DFT as computed (a multiply-add per sample, axis and output value).
    flops: 2 * count * length * c * cols,
    setup(h) {
      const rng = makeRng(count * 31 + length * 7 + c);
      const packed = h.alloc(h.call('gemmPackedBytes', length, cols));
      h.call('packGemmF32', h.put(fftTwiddles(length)), cols, 0, packed, length, cols);
      const scratch = h.alloc(h.call('fftScratchBytes', count, length, c));
      const x = h.put(rng.floats(count * length * c));
      const y = h.alloc(count * cols * c * 4);
      return () => void h.call('fftF32', x, packed, y, count, length, c, scratch);
    },
  };
}

// One 10 s window (10 intervals of 20 samples, 6 axes), one sensor of it, and a training batch of 64 windows.
export const cases: KernelBenchCase[] = [fftCase(10, 20, 6), fftCase(10, 20, 3), fftCase(640, 20, 6)];
