// On an engine without WebAssembly SIMD the host falls back to the scalar
// twin by itself (simulated by a preload that fails the SIMD probe).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveBuild } from '../../src/runtime/wasm.ts';
import { TinysenseError } from '../../src/errors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const NONE = { simd: false, relaxedSimd: false };
const SIMD = { simd: true, relaxedSimd: false };
const RELAXED = { simd: true, relaxedSimd: true };

function runWasmError(fn: () => unknown): TinysenseError {
  try {
    fn();
  } catch (e) {
    assert.instance(e, TinysenseError);
    assert.is((e as TinysenseError).code, 'RUN_WASM');
    return e as TinysenseError;
  }
  return assert.unreachable('expected RUN_WASM') as never;
}

test('auto picks the fastest build the engine runs; asking for one it lacks is RUN_WASM', () => {
  assert.is(resolveBuild('auto', 'runtime', NONE), 'scalar');
  assert.is(resolveBuild('auto', 'runtime', SIMD), 'simd');
  assert.is(resolveBuild('auto', 'runtime', RELAXED), 'relaxed');
  assert.is(resolveBuild('scalar', 'runtime', RELAXED), 'scalar');
  assert.is(resolveBuild('simd', 'runtime', RELAXED), 'simd');
  runWasmError(() => resolveBuild('simd', 'runtime', NONE));
  assert.match(runWasmError(() => resolveBuild('relaxed', 'runtime', SIMD)).message, /does not support relaxed SIMD/);
});

test('training never takes the relaxed build: auto stays on SIMD, asking for it is RUN_WASM', () => {
  assert.is(resolveBuild('auto', 'training', RELAXED), 'simd');
  assert.is(resolveBuild('auto', 'training', NONE), 'scalar');
  assert.match(runWasmError(() => resolveBuild('relaxed', 'training', RELAXED)).message, /training kernels have no relaxed-SIMD build/);
});

test('a process whose engine lacks SIMD runs the model on the scalar build', () => {
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'test/fixtures/no-simd-engine.mjs'), path.join(root, 'dist/cli.js'), 'run', 'models/deepsense-wisdm.tsm', '--input', 'models/samples/windows.npy'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, / \d+ window\(s\), scalar build/);
});

test.run();
