// The engines bench/peers compares, behind one interface: prepare a case
// (load the model, place a fixed input) and hand back a closure running one
// inference through the engine's fastest public API, the way an application
// calling it in a loop would, plus the output of the last run.
import { readFileSync, statSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeerCase } from './cases.ts';
import { buildTfjsModel } from './tfjs-models.ts';
import { engineSupportsRelaxedSimd, WASM_FILES, type WasmBuild } from '../../src/runtime/wasm.ts';

// The cold-start children run a bundled copy of bench/peers (main.ts) from elsewhere; they are told the root.
export const root = process.env.TINYSENSE_BENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Prepared {
  /** One inference on the fixed input (resolves when the output is readable). */
  run(): void | Promise<void>;
  /** Output of the last run, channels-last, as one flat array. */
  output(): Float32Array;
}

export interface Engine {
  name: string;
  /** The WebAssembly (or native library) the engine runs, for the size column. */
  binary(): { file: string; bytes: number } | undefined;
  version(): string;
  /** The JS packages the engine imports (cold start times their import apart from instantiate + load + first run). */
  packages: string[];
  /** Throws `Skip` when this engine cannot run the case. */
  prepare(c: PeerCase): Promise<Prepared>;
}

/** An engine that cannot run a case (reported in the table, not an error). */
export class Skip extends Error {}

function pkgVersion(name: string): string {
  try {
    return JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

const fileSize = (file: string) => ({ file: path.relative(root, file), bytes: statSync(file).size });

// ---- tinysense ----

export function tinysense(build: WasmBuild): Engine {
  return {
    name: `tinysense ${build}`,
    version: () => JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version,
    binary: () => fileSize(path.join(root, 'wasm', WASM_FILES[build])),
    // What an application that runs .tsm models imports (package export "tinysense/runtime").
    packages: [path.join(root, 'dist', 'runtime.js')],
    async prepare(c) {
      const { loadModel } = await import('../../src/runtime/session.ts');
      const session = loadModel(await c.tinysenseModel(), { build });
      // The planner may reuse the input's buffer once it is consumed, so a
      // fresh sample is written before every run (as an application does).
      const input = session.inputView(0);
      const output = session.outputView(0);
      return {
        run() {
          input.set(c.input);
          session.runInPlace();
        },
        output: () => output,
      };
    },
  };
}

// ---- onnxruntime-web (wasm execution provider) ----

const ortWasmDir = path.join(root, 'node_modules', 'onnxruntime-web', 'dist');

export async function loadOrtWeb() {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  ort.env.wasm.proxy = false;
  // Served from the package's own files: no network.
  ort.env.wasm.wasmPaths = ortWasmDir + path.sep;
  return ort;
}

type Ort = Awaited<ReturnType<typeof loadOrtWeb>>;

async function ortPrepared(ort: Ort | typeof import('onnxruntime-node'), c: PeerCase, options: object): Promise<Prepared> {
  const session = await ort.InferenceSession.create(c.onnx, options);
  const feed = { [session.inputNames[0]]: new ort.Tensor('float32', c.onnxInput(), c.onnxInputShape) };
  const outName = session.outputNames[0];
  let last: Float32Array = new Float32Array(0);
  return {
    async run() {
      const out = await session.run(feed);
      last = out[outName].data as Float32Array;
    },
    output: () => c.fromOnnxOutput(last),
  };
}

const ortWeb: Engine = {
  name: 'onnxruntime-web wasm',
  version: () => pkgVersion('onnxruntime-web'),
  packages: ['onnxruntime-web'],
  binary: () => fileSize(path.join(ortWasmDir, 'ort-wasm-simd-threaded.wasm')),
  async prepare(c) {
    const ort = await loadOrtWeb();
    return ortPrepared(ort, c, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  },
};

// ---- onnxruntime-node (native ceiling) ----

const ortNode: Engine = {
  name: 'onnxruntime-node (native)',
  version: () => pkgVersion('onnxruntime-node'),
  packages: ['onnxruntime-node'],
  binary() {
    const dir = path.join(root, 'node_modules', 'onnxruntime-node', 'bin');
    if (!existsSync(dir)) return undefined;
    const found: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.includes(`${process.platform}`) && p.includes(process.arch) && /libonnxruntime\.so\.\d|onnxruntime\.dll|libonnxruntime\.\d.*dylib/.test(e.name)) found.push(p);
      }
    };
    walk(dir);
    return found[0] ? fileSize(found[0]) : undefined;
  },
  async prepare(c) {
    let ort: typeof import('onnxruntime-node');
    try {
      ort = await import('onnxruntime-node');
    } catch {
      throw new Skip('onnxruntime-node not installed');
    }
    return ortPrepared(ort, c, { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' });
  },
};

// ---- TensorFlow.js (WASM / XNNPACK, and the plain JS CPU backend) ----

const tfjsWasmDir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

export async function loadTfjs(backend: 'wasm' | 'cpu') {
  const tf = await import('@tensorflow/tfjs');
  if (backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(tfjsWasmDir + path.sep);
    // One thread: Node offers no cross-origin-isolated workers anyway, and
    // the flag keeps the single-threaded SIMD binary.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  }
  await tf.setBackend(backend);
  await tf.ready();
  return tf;
}

function tfjs(backend: 'wasm' | 'cpu'): Engine {
  return {
    name: backend === 'wasm' ? 'tfjs wasm' : 'tfjs cpu',
    version: () => pkgVersion(backend === 'wasm' ? '@tensorflow/tfjs-backend-wasm' : '@tensorflow/tfjs'),
    packages: backend === 'wasm' ? ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm'] : ['@tensorflow/tfjs'],
    binary: () => (backend === 'wasm' ? fileSize(path.join(tfjsWasmDir, 'tfjs-backend-wasm-simd.wasm')) : undefined),
    async prepare(c) {
      const tf = await loadTfjs(backend);
      if (tf.getBackend() !== backend) throw new Skip(`tfjs backend ${backend} did not initialise`);
      const model = buildTfjsModel(tf, c);
      const x = tf.tensor(c.input, c.inputShape);
      let last: Float32Array = new Float32Array(0);
      return {
        run() {
          const y = model.predict(x) as import('@tensorflow/tfjs').Tensor;
          last = y.dataSync() as Float32Array;
          y.dispose();
        },
        output: () => last,
      };
    },
  };
}

// The relaxed-SIMD build (fused multiply-add) where the engine runs it; main.ts turns it on in Node 20.
export const ENGINES: Engine[] = [
  tinysense('simd'), ...(engineSupportsRelaxedSimd() ? [tinysense('relaxed')] : []), tinysense('scalar'),
  ortWeb, tfjs('wasm'), tfjs('cpu'), ortNode,
];
