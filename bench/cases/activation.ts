// Element-wise activations over a 4096-element tensor (a 64x64 feature
// map). `flops` counts one operation per element: the ratio between builds
// is what matters, and sigmoid / tanh show the vector exp's gain.
import { makeRng } from '../../src/util/rng.ts';
import type { KernelBenchCase } from './types.ts';

// Kernel codes of assembly/kernels/activation.ts.
const ACTS: [string, number, number, number][] = [
  ['relu', 1, 0, 0],
  ['relu6', 2, 0, 6],
  ['leakyRelu', 3, 0.01, 0],
  ['sigmoid', 4, 0, 0],
  ['tanh', 5, 0, 0],
  ['hardSwish', 6, 0, 0],
];

function activationCase(name: string, code: number, p0: number, p1: number, count: number): KernelBenchCase {
  return {
    name: `activation ${name} ${count}`,
    flops: count,
    setup(h) {
      const x = h.put(makeRng(code).floats(count, 6));
      const y = h.alloc(count * 4);
      return () => void h.call('activationF32', x, y, count, code, p0, p1);
    },
  };
}

export const cases: KernelBenchCase[] = ACTS.map(([name, code, p0, p1]) => activationCase(name, code, p0, p1, 4096));
