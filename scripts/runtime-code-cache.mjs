// Writes dist/runtime-core.cache, the V8 code cache src/runtime/loader.ts
// hands to V8 with dist/runtime-core.js. The cache holds the functions
// compiled when it is made, so every zoo model is first loaded and run once
// through the core, on both wasm builds. Run by scripts/build.mjs in a
// process of its own: a cache only fits the V8 version and flags that made it.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const coreFile = path.join(root, 'dist', 'runtime-core.js');
const coreUrl = pathToFileURL(coreFile);
const script = new vm.Script(readFileSync(coreFile, 'utf8'), { filename: coreFile });
const core = { exports: {} };
script.runInThisContext()(core.exports, createRequire(coreUrl), core, coreUrl.href);

const { importOnnx, writeModel } = await import(pathToFileURL(path.join(root, 'dist', 'index.js')).href);
const blobs = [readFileSync(path.join(root, 'models', 'deepsense-wisdm.tsm'))];
const onnxDir = path.join(root, 'test', 'fixtures', 'onnx');
for (const f of readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')).sort()) {
  blobs.push(writeModel(importOnnx(new Uint8Array(readFileSync(path.join(onnxDir, f))))));
}
for (const blob of blobs) {
  for (const build of core.exports.engineSupportsSimd() ? ['simd', 'scalar'] : ['scalar']) {
    core.exports.loadModel(new Uint8Array(blob), { build }).runInPlace();
  }
}
const cache = script.createCachedData();
writeFileSync(path.join(root, 'dist', 'runtime-core.cache'), cache);
console.log(`runtime code cache: dist/runtime-core.cache ${cache.length} B (${blobs.length} models)`);
