// Loading the WebAssembly kernels: the SIMD build when the engine supports
// it (probed with a tiny validate call), else its scalar twin.
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { fail } from '../errors.ts';
import type { KernelExports } from '../ops/types.ts';

export type WasmBuild = 'simd' | 'scalar';

export const WASM_FILES: Record<WasmBuild, string> = {
  simd: 'tinysense.simd.wasm',
  scalar: 'tinysense.wasm',
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

const moduleCache = new Map<WasmBuild, WebAssembly.Module>();

/** Finds wasm/ next to the bundle (dist/) or the sources (src/runtime/). */
function wasmDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const rel of ['../wasm', '../../wasm']) {
    const dir = path.resolve(here, rel);
    if (existsSync(path.join(dir, WASM_FILES.scalar))) return dir;
  }
  return fail('RUN_WASM', 'cannot find the wasm/ folder with the compiled kernels; run `npm run build`', {
    where: { file: path.resolve(here, '../wasm') },
  });
}

export function resolveBuild(requested: WasmBuild | 'auto' = 'auto', simdAvailable = engineSupportsSimd()): WasmBuild {
  if (requested === 'auto') return simdAvailable ? 'simd' : 'scalar';
  if (requested === 'simd' && !simdAvailable) {
    fail('RUN_WASM', 'the SIMD build was requested but this engine does not support WebAssembly SIMD');
  }
  return requested;
}

/** Compiles (once per process) and returns the module of a build. */
export function compileKernels(build: WasmBuild, bytes?: Uint8Array): WebAssembly.Module {
  const cached = moduleCache.get(build);
  if (cached && !bytes) return cached;
  const file = path.join(wasmDir(), WASM_FILES[build]);
  let code: Uint8Array;
  try {
    code = bytes ?? readFileSync(file);
  } catch (e) {
    return fail('RUN_WASM', `cannot read the ${build} build`, { where: { file }, cause: e });
  }
  let mod: WebAssembly.Module;
  try {
    mod = new WebAssembly.Module(code as BufferSource);
  } catch (e) {
    return fail('RUN_WASM', `the ${build} build does not compile: ${(e as Error).message}`, { where: { file }, cause: e });
  }
  if (!bytes) moduleCache.set(build, mod);
  return mod;
}

/** A fresh instance (its own linear memory) of a build. */
export function instantiateKernels(build: WasmBuild): KernelExports {
  const instance = new WebAssembly.Instance(compileKernels(build), {});
  return instance.exports as unknown as KernelExports;
}
