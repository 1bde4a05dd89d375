// Budget: the SIMD kernels ship in one small module (issue 7: <= 64 KB; for
// scale, onnxruntime-web's wasm is ~14 MB and TF.js's ~425 KB). npm test
// builds first, so this checks the module the tests just ran.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const SIMD_WASM_BUDGET_BYTES = 64 * 1024;

test(`wasm/tinysense.simd.wasm is at most ${SIMD_WASM_BUDGET_BYTES / 1024} KB`, () => {
  const bytes = statSync(fileURLToPath(new URL('../../wasm/tinysense.simd.wasm', import.meta.url))).size;
  assert.ok(bytes <= SIMD_WASM_BUDGET_BYTES, `tinysense.simd.wasm is ${bytes} bytes, over the ${SIMD_WASM_BUDGET_BYTES}-byte budget`);
});

test.run();
