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

test('auto picks scalar when the probe fails; asking for simd there is RUN_WASM', () => {
  assert.is(resolveBuild('auto', false), 'scalar');
  assert.is(resolveBuild('auto', true), 'simd');
  assert.is(resolveBuild('scalar', true), 'scalar');
  try {
    resolveBuild('simd', false);
    assert.unreachable('expected RUN_WASM');
  } catch (e) {
    assert.instance(e, TinysenseError);
    assert.is((e as TinysenseError).code, 'RUN_WASM');
  }
});

test('a process whose engine lacks SIMD runs the model on the scalar build', () => {
  const r = spawnSync(process.execPath, ['--import', path.join(root, 'test/fixtures/no-simd-engine.mjs'), path.join(root, 'dist/cli.js'), 'run', 'models/deepsense-wisdm.tsm', '--input', 'models/samples/windows.npy'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.match(r.stdout, / \d+ window\(s\), scalar build/);
});

test.run();
