// Budget: the runtime's SIMD kernels ship in one small module (issue 7:
// <= 64 KB; for scale, onnxruntime-web's wasm is ~14 MB and TF.js's ~425 KB).
// The backward kernels live in the training module, a superset. npm test
// builds first, so this checks the modules the tests just ran.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import binaryen from 'binaryen';
import { compileKernels } from '../../src/runtime/wasm.ts';

const SIMD_WASM_BUDGET_BYTES = 64 * 1024;

const wasmFile = (name: string) => fileURLToPath(new URL(`../../wasm/${name}`, import.meta.url));

test(`wasm/tinysense.simd.wasm and tinysense.relaxed.wasm are at most ${SIMD_WASM_BUDGET_BYTES / 1024} KB each`, () => {
  for (const name of ['tinysense.simd.wasm', 'tinysense.relaxed.wasm']) {
    const bytes = statSync(wasmFile(name)).size;
    assert.ok(bytes <= SIMD_WASM_BUDGET_BYTES, `${name} is ${bytes} bytes, over the ${SIMD_WASM_BUDGET_BYTES}-byte budget`);
  }
});

test('only the relaxed build uses relaxed-SIMD instructions, and it has the SIMD build\'s exports', () => {
  const validatesWithout = (name: string, feature: number) => {
    const mod = binaryen.readBinary(readFileSync(wasmFile(name)));
    try {
      mod.setFeatures(binaryen.Features.All & ~feature);
      return Boolean(mod.validate());
    } finally {
      mod.dispose();
    }
  };
  const relaxed = binaryen.readBinary(readFileSync(wasmFile('tinysense.relaxed.wasm')));
  try {
    relaxed.setFeatures(binaryen.Features.All);
    assert.ok(relaxed.emitText().includes('f32x4.relaxed_madd'), 'the relaxed build has no f32x4.relaxed_madd');
  } finally {
    relaxed.dispose();
  }
  assert.ok(validatesWithout('tinysense.simd.wasm', binaryen.Features.RelaxedSIMD), 'the SIMD build needs relaxed SIMD');
  assert.ok(validatesWithout('tinysense.wasm', binaryen.Features.SIMD128 | binaryen.Features.RelaxedSIMD), 'the scalar build needs SIMD');
  const exportsOf = (build: 'simd' | 'relaxed') => WebAssembly.Module.exports(compileKernels(build)).map((e) => e.name).sort();
  assert.equal(exportsOf('relaxed'), exportsOf('simd'));
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
