// Writes dist/runtime-core.cache, the V8 code cache dist/runtime.js
// (src/runtime/loader.ts) hands to V8 with dist/runtime-core.js. The cache
// holds the functions compiled when it is made, so every zoo model is first
// loaded and run once through the runtime, on both wasm builds. Run by
// scripts/build.mjs in a process of its own (a cache only fits the V8
// version and flags that made it), after dist/ was emptied: the runtime here
// compiles from source.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (file) => pathToFileURL(path.join(root, 'dist', file)).href;
const runtime = await import(dist('runtime.js'));
const { importOnnx, writeModel } = await import(dist('index.js'));

const blobs = [readFileSync(path.join(root, 'models', 'deepsense-wisdm.tsm'))];
const onnxDir = path.join(root, 'test', 'fixtures', 'onnx');
for (const f of readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')).sort()) {
  blobs.push(writeModel(importOnnx(new Uint8Array(readFileSync(path.join(onnxDir, f))))));
}
for (const blob of blobs) {
  for (const build of runtime.engineSupportsSimd() ? ['simd', 'scalar'] : ['scalar']) {
    runtime.loadModel(new Uint8Array(blob), { build }).runInPlace();
  }
}
const cache = runtime.runtimeCodeCache();
writeFileSync(path.join(root, 'dist', 'runtime-core.cache'), cache);
console.log(`runtime code cache: dist/runtime-core.cache ${cache.length} B (${blobs.length} models)`);
