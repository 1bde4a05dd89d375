// Element-wise binary ops on channels-last sensor shapes, one per kernel row
// pattern: same shape (residual add), a per-channel vector (bias / scale), a
// scalar, a per-step gate [N, L, 1], and the crossed [N, 1, C] x [N, L, 1].
// `flops` counts one operation per output element. Descriptors come from the
// host (describeBinary), as a loaded model would carry them.
import { makeRng } from '../../src/util/rng.ts';
import { BINARY_CODES, broadcastShape, describeBinary, type BinaryOpName } from '../../src/ops/elementwise.ts';
import type { KernelBenchCase } from './types.ts';

function binaryCase(op: BinaryOpName, a: number[], b: number[], what: string): KernelBenchCase {
  const out = broadcastShape(a, b);
  const count = out.reduce((p, d) => p * d, 1);
  return {
    name: `binary ${op} ${what} [${out}]`,
    flops: count,
    setup(h) {
      const rng = makeRng(count + BINARY_CODES[op]);
      const d = describeBinary(a, b, out);
      const pa = h.put(rng.floats(a.reduce((p, x) => p * x, 1)));
      const pb = h.put(rng.floats(b.reduce((p, x) => p * x, 1)));
      const y = h.alloc(count * 4);
      const desc = h.put(new Int32Array([...d.shape, ...d.strides[0], ...d.strides[1]]));
      return () => void h.call('binaryF32', BINARY_CODES[op], pa, pb, y, d.shape.length, desc);
    },
  };
}

export const cases: KernelBenchCase[] = [
  binaryCase('add', [1, 128, 64], [1, 128, 64], 'same'),
  binaryCase('mul', [1, 128, 64], [64], 'channel'),
  binaryCase('add', [1, 128, 6], [6], 'channel6'),
  binaryCase('div', [1, 128, 64], [], 'scalar'),
  binaryCase('mul', [1, 128, 64], [1, 128, 1], 'step'),
  binaryCase('max', [1, 1, 64], [1, 128, 1], 'crossed'),
];
