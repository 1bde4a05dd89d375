// Loading the WebAssembly kernels: the relaxed-SIMD build when the engine
// supports it, else the SIMD build, else its scalar twin (each probed with a
// tiny validate call). Two modules come from the one source: the runtime's
// (inference kernels only) and the training module (the same plus the
// backward kernels, for src/train), which has no relaxed build: training
// stays bit-for-bit deterministic across machines.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fail } from '../errors.ts';
import type { KernelExports } from '../ops/types.ts';

/**
 * 'relaxed': SIMD plus relaxed SIMD's fused multiply-add (Chrome 114+,
 * Node 22+, Firefox and Wasmtime with the proposal on); results may differ
 * in the last bits between CPUs with and without FMA. 'simd': fixed-width
 * SIMD. 'scalar': no vector instructions.
 */
export type WasmBuild = 'relaxed' | 'simd' | 'scalar';

/** Every build, fastest first: the order 'auto' tries them in. */
export const WASM_BUILDS: readonly WasmBuild[] = ['relaxed', 'simd', 'scalar'];

const BUILD_LABEL: Record<WasmBuild, string> = { relaxed: 'relaxed-SIMD', simd: 'SIMD', scalar: 'scalar' };

/** Which module: the runtime's kernels, or those plus the backward kernels. */
export type KernelModule = 'runtime' | 'training';

/** The runtime module's files (what a deployment ships). */
export const WASM_FILES: Record<WasmBuild, string> = {
  relaxed: 'tinysense.relaxed.wasm',
  simd: 'tinysense.simd.wasm',
  scalar: 'tinysense.wasm',
};

/** The training module's files: no relaxed build, so training stays bit-for-bit deterministic across CPUs. */
export const TRAINING_WASM_FILES: Partial<Record<WasmBuild, string>> = {
  simd: 'tinysense-train.simd.wasm',
  scalar: 'tinysense-train.wasm',
};

const MODULE_FILES: Record<KernelModule, Partial<Record<WasmBuild, string>>> = { runtime: WASM_FILES, training: TRAINING_WASM_FILES };

/** The file of a module's build; RUN_WASM when the module has no such build. */
function kernelFile(build: WasmBuild, kind: KernelModule): string {
  const name = MODULE_FILES[kind][build];
  if (!name) return fail('RUN_WASM', `the ${kind} kernels have no ${BUILD_LABEL[build]} build`, { expected: Object.keys(MODULE_FILES[kind]).join(' or '), found: build });
  return name;
}

// (module (func (result v128) v128.const i32x4 0 0 0 0)): valid only where
// the engine implements fixed-width SIMD.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0,
  253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11,
]);

// (module (func (param v128) (result v128) f32x4.relaxed_madd of the
// parameter three times)): valid only where relaxed SIMD is on.
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0, 10, 13, 1, 11, 0,
  32, 0, 32, 0, 32, 0, 253, 133, 2, 11,
]);

export function engineSupportsSimd(): boolean {
  return WebAssembly.validate(SIMD_PROBE);
}

export function engineSupportsRelaxedSimd(): boolean {
  return WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/** What the engine can run; resolveBuild takes it (tests pass their own). */
export interface EngineFeatures {
  simd: boolean;
  relaxedSimd: boolean;
}

let probed: EngineFeatures | undefined;

export function engineFeatures(): EngineFeatures {
  if (!probed) {
    const simd = engineSupportsSimd();
    probed = { simd, relaxedSimd: simd && engineSupportsRelaxedSimd() };
  }
  return probed;
}

const engineRuns = (build: WasmBuild, engine: EngineFeatures): boolean => (build === 'relaxed' ? engine.relaxedSimd : build === 'simd' ? engine.simd : true);

/** The builds of a module this engine runs, fastest first (benchmarks and tests go through all of them). */
export function availableBuilds(kind: KernelModule = 'runtime', engine: EngineFeatures = engineFeatures()): WasmBuild[] {
  return WASM_BUILDS.filter((b) => MODULE_FILES[kind][b] !== undefined && engineRuns(b, engine));
}

export type { KernelExports };

const moduleCache = new Map<string, WebAssembly.Module>();

/** 'auto' is the fastest build the engine runs; an explicit build must be one it runs. */
export function resolveBuild(requested: WasmBuild | 'auto' = 'auto', kind: KernelModule = 'runtime', engine: EngineFeatures = engineFeatures()): WasmBuild {
  const available = availableBuilds(kind, engine);
  if (requested === 'auto') return available[0];
  kernelFile(requested, kind);
  if (!available.includes(requested)) {
    const feature = requested === 'relaxed' ? 'relaxed SIMD (Chrome 114+, Node 22+; Node 20 with --experimental-wasm-relaxed-simd)' : 'WebAssembly SIMD';
    fail('RUN_WASM', `the ${requested} build was requested but this engine does not support ${feature}`, { expected: available.join(' or '), found: requested });
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
  const name = kernelFile(build, kind);
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
