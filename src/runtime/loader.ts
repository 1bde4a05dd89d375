// The `tinysense/runtime` entry as built (dist/runtime.js): it compiles the
// runtime (dist/runtime-core.js, src/runtime/index.ts bundled as one function)
// with the V8 code cache that scripts/runtime-code-cache.mjs writes at build
// time, after loading and running the zoo models. V8 compiles a function only
// when it is first called, and a fresh process spends about as long compiling
// the load path as running it; with the cache those functions arrive compiled.
// A cache from another V8 (a Node upgrade) is rejected by V8 itself and the
// runtime then compiles as usual. Node ESM modules have no code cache of their
// own in Node 20, hence the vm.Script.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

type Runtime = typeof import('./index.ts');

const coreUrl = new URL('./runtime-core.js', import.meta.url);
let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(new URL('./runtime-core.cache', import.meta.url));
} catch {
  // No cache (a build that skipped it): compile from source.
}
const script = new vm.Script(readFileSync(coreUrl, 'utf8'), { filename: fileURLToPath(coreUrl), cachedData });
const core = { exports: {} as Runtime };
(script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, url: string) => void)(core.exports, createRequire(coreUrl), core, coreUrl.href);

export const { loadModel, engineSupportsSimd, engineSupportsRelaxedSimd, readModel, validateModel, TinysenseError, ERROR_CODES } = core.exports;
/** Whether V8 took the build's code cache (false without one, or after a Node upgrade). */
export const codeCacheUsed: boolean = cachedData !== undefined && !script.cachedDataRejected;
/** A code cache of the runtime as compiled so far in this process (what scripts/runtime-code-cache.mjs writes after its warm-up). */
export const runtimeCodeCache = (): Uint8Array => script.createCachedData();
