// Builds everything `npm install` needs: the wasm modules from one
// AssemblyScript source (the runtime's kernels and the training module, each
// as SIMD and scalar twin, chosen at compile time by ASC_FEATURE_SIMD, plus a
// relaxed-SIMD variant of the runtime's kernels, ASC_FEATURE_RELAXED_SIMD),
// checks them with binaryen, then bundles the host and CLI.
import { spawnSync } from 'node:child_process';
import { mkdir, rename, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import asc from 'assemblyscript/asc';
import binaryen from 'binaryen';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--wasm-only') ? 'wasm' : process.argv.includes('--host-only') ? 'host' : 'all';

async function compileWasm(entry, target, outFile) {
  const tmp = `${outFile}.${process.pid}.tmp`;
  const { error } = await asc.main(
    [entry, '--config', 'asconfig.json', '--target', target, '--outFile', tmp],
    { stdout: process.stdout, stderr: process.stderr },
  );
  if (error) {
    await rm(tmp, { force: true });
    throw new Error(`asc failed for target ${target}: ${error.message}`);
  }
  try {
    const bytes = await readFile(tmp);
    checkPortable(bytes, target);
    await rename(tmp, outFile); // atomic: concurrent readers never see a half-written module
    return bytes.length;
  } finally {
    await rm(tmp, { force: true });
  }
}

// The same binary must run under any engine, so it may import nothing; each
// build must validate with only its own features (the scalar twin with SIMD
// switched off, the SIMD build without relaxed SIMD), and the relaxed build
// must really use the fused multiply-add.
const { All, SIMD128, RelaxedSIMD } = binaryen.Features;
const FEATURES = { scalar: All & ~SIMD128 & ~RelaxedSIMD, simd: All & ~RelaxedSIMD, relaxed: All };

function validatesWith(bytes, features) {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(features);
    return Boolean(mod.validate());
  } finally {
    mod.dispose();
  }
}

// Entries of the import section (id 2), read from the binary itself: this
// engine may not compile the relaxed build.
function importCount(bytes) {
  const leb = (at) => {
    let value = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[at++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return [value, at];
  };
  for (let at = 8; at < bytes.length;) {
    const id = bytes[at];
    const [size, body] = leb(at + 1);
    if (id === 2) return leb(body)[0];
    at = body + size;
  }
  return 0;
}

// Looked up in the text form: a validation that fails would print its errors.
function usesRelaxedMadd(bytes) {
  const mod = binaryen.readBinary(bytes);
  try {
    mod.setFeatures(All);
    return mod.emitText().includes('f32x4.relaxed_madd');
  } finally {
    mod.dispose();
  }
}

function checkPortable(bytes, target) {
  const imports = importCount(bytes);
  if (imports) throw new Error(`wasm target ${target} has ${imports} imports; it must import nothing`);
  if (!validatesWith(bytes, FEATURES[target])) throw new Error(`wasm target ${target} does not validate with only its own features`);
  if (target === 'relaxed' && !usesRelaxedMadd(bytes)) throw new Error('wasm target relaxed uses no relaxed-SIMD instruction');
}

async function bundleHost() {
  await rm(path.join(root, 'dist'), { recursive: true, force: true });
  const common = { bundle: true, platform: 'node', format: 'esm', target: 'node20', sourcemap: true, logLevel: 'warning' };
  await esbuild.build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js' });
  // The runtime alone, minified, as one function for src/runtime/loader.ts
  // (dist/runtime.js) to compile with a V8 code cache: a cold process spends
  // most of its start parsing and compiling JS.
  await esbuild.build({
    ...common, entryPoints: ['src/runtime/index.ts'], outfile: 'dist/runtime-core.js', minify: true, format: 'cjs',
    define: { 'import.meta.url': '__runtimeUrl' },
    banner: { js: '(function (exports, require, module, __runtimeUrl) {' }, footer: { js: '})' },
  });
  await esbuild.build({ ...common, entryPoints: ['src/runtime/loader.ts'], outfile: 'dist/runtime.js', minify: true });
  await esbuild.build({
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
  });
  // The data-parallel training replica (src/train/parallel.ts starts it next to the bundle that trains).
  await esbuild.build({ ...common, entryPoints: ['src/train/replica-worker.ts'], outfile: 'dist/train-worker.js' });
}

process.chdir(root);
await mkdir('wasm', { recursive: true });
if (only !== 'host') {
  // The runtime module (inference kernels) and the training module (the same
  // plus the backward kernels), each as SIMD and scalar twin; the runtime's
  // kernels also with relaxed SIMD (fused multiply-add where engines have it).
  // File names as src/runtime/wasm.ts reads them (WASM_FILES, TRAINING_WASM_FILES).
  const modules = [
    { entry: 'assembly/index.ts', stem: 'tinysense', targets: ['relaxed', 'simd', 'scalar'] },
    { entry: 'assembly/training.ts', stem: 'tinysense-train', targets: ['simd', 'scalar'] },
  ];
  const suffix = { relaxed: '.relaxed.wasm', simd: '.simd.wasm', scalar: '.wasm' };
  const sizes = [];
  for (const { entry, stem, targets } of modules) {
    for (const target of targets) {
      const file = `${stem}${suffix[target]}`;
      sizes.push(`${file} ${await compileWasm(entry, target, `wasm/${file}`)} B`);
    }
  }
  console.log(`wasm: ${sizes.join(', ')}`);
}
if (only !== 'wasm') {
  await bundleHost();
  console.log('host: dist/index.js, dist/runtime.js + runtime-core.js, dist/cli.js, dist/train-worker.js');
  // After the wasm and the host: the cache comes from loading and running models.
  const cache = spawnSync(process.execPath, ['scripts/runtime-code-cache.mjs'], { stdio: 'inherit' });
  if (cache.status !== 0) throw new Error(`scripts/runtime-code-cache.mjs failed (exit ${cache.status})`);
}
