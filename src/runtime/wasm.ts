// Loading the WebAssembly kernels: the SIMD build when the engine supports
// it (probed with a tiny validate call), else its scalar twin. Two modules
// come from the one source: the runtime's (inference kernels only) and the
// training module (the same plus the backward kernels, for src/train).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.ts';
import type { KernelExports } from '../ops/types.ts';

export type WasmBuild = 'simd' | 'scalar';

/** Which module: the runtime's kernels, or those plus the backward kernels. */
export type KernelModule = 'runtime' | 'training';

/** The runtime module's files (what a deployment ships). */
export const WASM_FILES: Record<WasmBuild, string> = {
  simd: 'tinysense.simd.wasm',
  scalar: 'tinysense.wasm',
};

export const TRAINING_WASM_FILES: Record<WasmBuild, string> = {
  simd: 'tinysense-train.simd.wasm',
  scalar: 'tinysense-train.wasm',
};

// (module (func (result v128) v128.const i32x4 0 0 0 0)): valid only where
// the engine implements fixed-width SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

export function engineSupportsSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

export type { KernelExports };

const moduleCache = new Map<string, WebAssembly.Module>();

export function resolveBuild(requested: WasmBuild | 'auto' = 'auto', simdAvailable = engineSupportsSimd()): WasmBuild {
  if (requested === 'auto') return simdAvailable ? 'simd' : 'scalar';
  if (requested === 'simd' && !simdAvailable) {
    fail('RUN_WASM', 'the SIMD build was requested but this engine does not support WebAssembly SIMD');
  }
  return requested;
}

/**
 * The bytes of a build from wasm/ next to the bundle (dist/) or the sources
 * (src/runtime/). Read straight away rather than probed first: a fresh
 * process pays for every file-system call before its first inference.
 */
function readBuild(name: string, build: WasmBuild): { code: Uint8Array; file: string } {
  const tried: string[] = [];
  for (const rel of ['../wasm/', '../../wasm/']) {
    const file = fileURLToPath(new URL(rel + name, import.meta.url));
    try {
      return { code: readFileSync(file), file };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return fail('RUN_WASM', `cannot read the ${build} build`, { where: { file }, cause: e });
      tried.push(file);
    }
  }
  return fail('RUN_WASM', `cannot find the kernels (${name}, the ${build} build); run \`npm run build\``, { where: { file: tried[0] }, found: `none of ${tried.join(', ')}` });
}

/** Compiles (once per process) and returns the module of a build. */
export function compileKernels(build: WasmBuild, kind: KernelModule = 'runtime'): WebAssembly.Module {
  const name = (kind === 'runtime' ? WASM_FILES : TRAINING_WASM_FILES)[build];
  const cached = moduleCache.get(name);
  if (cached) return cached;
  const { code, file } = readBuild(name, build);
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(code as BufferSource);
  } catch (e) {
    return fail('RUN_WASM', `the ${build} build does not compile: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  moduleCache.set(name, mod);
  return mod;
}

/** A fresh instance (its own linear memory) of a build. */
export function instantiateKernels(build: WasmBuild, kind: KernelModule = 'runtime'): KernelExports {
  const instance = new WebAssembly.Instance(compileKernels(build, kind), {});
  return instance.exports as unknown as KernelExports;
}
