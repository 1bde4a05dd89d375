// Data movement on channels-last sensor shapes: the [N, L, C] <-> [N, C, L]
// transposes importers insert around channels-first models (the tiled
// kernel), a strided slice (every 2nd step), a reversed time axis, and a
// concat of two branches on the channel axis. `flops` counts one per element
// moved, so the column reads as G elements/s. Descriptors come from the host.
import { makeRng } from '../../src/util/rng.ts';
import { copyRecord, describeCopy, partCopies, resolveSlice, sliceCopy, transposeCopy, type CopyDescriptor } from '../../src/ops/shape.ts';
import { OPCODES } from '../../src/ops/opcodes.ts';
import type { KernelHarness } from '../../test/helpers/wasm.ts';
import type { KernelBenchCase } from './types.ts';

const count = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);

/** Places a descriptor and returns a closure calling its kernel (copy or tiled transpose). */
function runner(h: KernelHarness, d: CopyDescriptor, src: number, dst: number): () => void {
  const [s, t, rank, ...desc] = copyRecord(d, src, dst).args as number[];
  const name = d.opcode === OPCODES.TRANSPOSE ? 'transposeF32' : 'copyStridedF32';
  const descPtr = h.put(new Int32Array(desc));
  return () => void h.call(name, s, t, rank, descPtr);
}

function copyCase(name: string, inShape: number[], outElements: number, describe: () => CopyDescriptor[]): KernelBenchCase {
  return {
    name,
    flops: outElements,
    setup(h) {
      const src = h.put(makeRng(outElements).floats(count(inShape)));
      const dst = h.alloc(outElements * 4);
      const runs = describe().map((d) => runner(h, d, src, dst));
      return () => runs.forEach((r) => r());
    },
  };
}

function transposeCase(shape: number[], perm: number[]): KernelBenchCase {
  return copyCase(`transpose [${shape}] perm [${perm}]`, shape, count(shape), () => [describeCopy(transposeCopy(shape, perm))]);
}

function sliceCase(shape: number[], attrs: { starts: number[]; ends: number[]; axes: number[]; steps: number[] }, what: string): KernelBenchCase {
  const s = resolveSlice(shape, attrs, {});
  return copyCase(`slice ${what} [${shape}]`, shape, count(s.shape), () => [describeCopy(sliceCopy(shape, s))]);
}

// Two [1, 128, 32] branches into [1, 128, 64]: both halves read from one source buffer here.
const concatCase = copyCase('concat 2x[1,128,32] axis 2', [1, 128, 32], 128 * 64, () => partCopies([1, 128, 64], 2, [32, 32], true).map(describeCopy));

export const cases: KernelBenchCase[] = [
  transposeCase([1, 128, 64], [0, 2, 1]),
  transposeCase([1, 64, 128], [0, 2, 1]),
  transposeCase([1, 128, 6], [0, 2, 1]),
  transposeCase([8, 16, 16, 8], [0, 3, 1, 2]),
  sliceCase([1, 256, 64], { starts: [0], ends: [256], axes: [1], steps: [2] }, 'step 2 on L'),
  sliceCase([1, 256, 64], { starts: [-1], ends: [-1 - 256], axes: [1], steps: [-1] }, 'reverse L'),
  sliceCase([1, 256, 64], { starts: [-1], ends: [-1 - 64], axes: [2], steps: [-1] }, 'reverse C'),
  concatCase,
];
