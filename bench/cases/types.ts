import type { KernelHarness } from '../../test/helpers/wasm.ts';

/** One row of bench/kernels: a kernel call on a representative shape. */
export interface KernelBenchCase {
  /** `<op> <shape>`, e.g. `dense 1x256x256`. */
  name: string;
  /** Floating-point operations of one call (2 per multiply-add). */
  flops: number;
  /** Places inputs with the harness and returns a closure running the kernel once. */
  setup(h: KernelHarness): () => void;
}
