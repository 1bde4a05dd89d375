// `tinysense import` as users run it (the built dist/cli.js): .onnx -> .tsm,
// then `inspect` and `run` on the result; --input-shape; exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readModel } from '../../src/format/read.ts';
import { makeRng } from '../helpers/random.ts';
import { encodeModel, runOrt } from './onnx-build.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-import-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('import writes a .tsm that inspect reads and run runs like onnxruntime', async () => {
  const tsm = path.join(dir, 'kws.tsm');
  const r = cli('import', 'test/fixtures/onnx/dscnn_kws.onnx', '-o', tsm);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'inputs:  input [1,1,49,10]');
  assert.match(r.out, 'outputs: output [1,12]');
  const model = readModel(new Uint8Array(readFileSync(tsm)));
  assert.match(model.metadata.provenance ?? '', 'onnx importer: dscnn_kws.onnx, opset 13');
  const j = JSON.parse(cli('inspect', tsm, '--json').out);
  assert.equal(j.inputs, [{ name: 'input', shape: [1, 1, 49, 10] }]);
  assert.ok(j.totals.params > 20_000 && j.totals.macs > 2_000_000, `params ${j.totals.params}, MACs ${j.totals.macs}`);

  const x = makeRng(3).floats(490, 3);
  const raw = path.join(dir, 'x.bin');
  writeFileSync(raw, Buffer.from(x.buffer));
  const run = cli('run', tsm, '--input', raw, '--json');
  assert.is(run.code, 0, run.err);
  const got = JSON.parse(run.out)[0].output.data as number[];
  const [want] = await runOrt(new Uint8Array(readFileSync(path.join(root, 'test/fixtures/onnx/dscnn_kws.onnx'))), { input: { dims: [1, 1, 49, 10], data: x } });
  const scale = Math.max(...want.data.map(Math.abs));
  got.forEach((g, i) => assert.ok(Math.abs(g - want.data[i]) <= 1e-4 * scale, `output ${i}: ${g} vs ${want.data[i]}`));
});

test('--input-shape fixes a dynamic dim; errors exit 1 (model) or 2 (usage) with the code', () => {
  const dynamic = path.join(dir, 'dyn.onnx');
  writeFileSync(dynamic, encodeModel({ inputs: [{ name: 'x', dims: ['batch', 9, 128] }], outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] }));
  const bad = cli('import', dynamic, '-o', path.join(dir, 'dyn.tsm'));
  assert.is(bad.code, 1);
  assert.match(bad.err, 'IMPORT_DYNAMIC_SHAPE');
  assert.match(bad.err, '--input-shape x=1x9x128');
  const ok = cli('import', dynamic, '-o', path.join(dir, 'dyn.tsm'), '--input-shape', 'x=2x9x128');
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, 'x [2,9,128]');
  assert.is(cli('import', dynamic).code, 2);
  assert.is(cli('import', dynamic, '-o', path.join(dir, 'z.tsm'), '--input-shape', 'x=2xfoo').code, 2);
  const missing = cli('import', path.join(dir, 'nope.onnx'), '-o', path.join(dir, 'z.tsm'));
  assert.is(missing.code, 1);
  assert.match(missing.err, 'IO_FILE');
  const help = cli('import', '--help');
  assert.is(help.code, 0);
  assert.match(help.out, 'usage: tinysense import');
  assert.match(help.out, 'GRU');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
