// Kernel test harness: a fresh instance of either build with a bump
// allocator over its linear memory, so suites can place inputs, call a
// kernel export directly and read results back.
import { availableBuilds, instantiateKernels, type KernelExports, type KernelModule, type WasmBuild } from '../../src/runtime/wasm.ts';

/** Every runtime build this engine runs (test/run.mjs turns relaxed SIMD on where it is behind a flag). */
export const BUILDS: WasmBuild[] = availableBuilds('runtime');
/** The training module's builds (no relaxed one). */
export const TRAINING_BUILDS: WasmBuild[] = availableBuilds('training');

export interface KernelHarness {
  build: WasmBuild;
  k: KernelExports;
  /** Calls a kernel export by name. */
  call(name: string, ...args: number[]): number;
  /** Reserves bytes (16-byte aligned), growing memory as needed; returns the address. */
  alloc(bytes: number): number;
  /** Copies an array into fresh memory and returns its address. */
  put(data: Float32Array | Int32Array | Int8Array | Uint8Array): number;
  /** A copy of n floats at an address. */
  getF32(ptr: number, n: number): Float32Array;
  /** Forgets every allocation (memory is reused by the next test). */
  reset(): void;
}

/** kind 'training' for the backward kernels; forward kernels are tested in the runtime module that ships. */
export function makeHarness(build: WasmBuild, kind: KernelModule = 'runtime'): KernelHarness {
  const k = instantiateKernels(build, kind);
  const base = (k.heapBase() + 15) & ~15;
  let top = base;
  const ensure = (end: number) => {
    const have = k.memory.buffer.byteLength;
    if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  };
  const h: KernelHarness = {
    build,
    k,
    call(name, ...args) {
      const fn = k[name];
      if (typeof fn !== 'function') throw new Error(`the ${build} build has no export ${name}`);
      return (fn as (...a: number[]) => number)(...args);
    },
    alloc(bytes) {
      const ptr = top;
      top = (top + bytes + 15) & ~15;
      ensure(top);
      // Poison fresh memory so a kernel that reads what it never wrote shows up.
      new Uint8Array(k.memory.buffer, ptr, top - ptr).fill(0x7f);
      return ptr;
    },
    put(data) {
      const ptr = h.alloc(data.byteLength);
      new Uint8Array(k.memory.buffer, ptr, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return ptr;
    },
    getF32(ptr, n) {
      return new Float32Array(k.memory.buffer, ptr, n).slice();
    },
    reset() {
      top = base;
    },
  };
  return h;
}
