// Budget: the runtime's SIMD kernels ship in one small module (issue 7:
// <= 64 KB; for scale, onnxruntime-web's wasm is ~14 MB and TF.js's ~425 KB).
// The backward kernels live in the training module, a superset. npm test
// builds first, so this checks the modules the tests just ran.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileKernels } from '../../src/runtime/wasm.ts';

const SIMD_WASM_BUDGET_BYTES = 64 * 1024;

test(`wasm/tinysense.simd.wasm is at most ${SIMD_WASM_BUDGET_BYTES / 1024} KB`, () => {
  const bytes = statSync(fileURLToPath(new URL('../../wasm/tinysense.simd.wasm', import.meta.url))).size;
  assert.ok(bytes <= SIMD_WASM_BUDGET_BYTES, `tinysense.simd.wasm is ${bytes} bytes, over the ${SIMD_WASM_BUDGET_BYTES}-byte budget`);
});

test('the runtime module carries no training kernels; the training module carries every runtime export', () => {
  for (const build of ['simd', 'scalar'] as const) {
    const names = (kind: 'runtime' | 'training') => new Set(WebAssembly.Module.exports(compileKernels(build, kind)).map((e) => e.name));
    const runtime = names('runtime');
    const training = names('training');
    for (const name of runtime) assert.ok(training.has(name), `${build}: the training module lacks ${name}`);
    // Backward kernels, losses and optimiser steps by their naming convention.
    const trainingOnly = [...runtime].filter((n) => /Backward|Grads?F32|Step|CrossEntropy|SquaredError|Dropout|batchNorm|Train/i.test(n));
    assert.equal(trainingOnly, [], `${build}: training kernels in the runtime module`);
    assert.ok(training.size > runtime.size + 10, `${build}: the training module adds ${training.size - runtime.size} exports`);
  }
});

test.run();
