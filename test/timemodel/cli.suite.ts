// `tinysense profile --explain` and `tinysense inspect --time-model` as users
// run them (the built bin), on a synthetic profile: nothing is timed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { syntheticProfile } from './synthetic.ts';
import { createBuilder } from '../../src/graph/builder.ts';
import { writeModel } from '../../src/format/write.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-timemodel-'));
const good = path.join(dir, 'profile.json');
const stale = path.join(dir, 'stale.json');
const model = path.join(dir, 'model.tsm');
{
  const b = createBuilder('tm-cli');
  const x = b.conv1d(b.input('x', [1, 32, 3]), { filters: 8, kernel: 3, activation: 'relu' });
  b.output(b.softmax(b.dense(b.gru(x, { units: 12 }), { units: 5 })), 'y');
  writeFileSync(model, writeModel(b.build()));
}

// Written right before use: the profile records the hash of the installed
// wasm, which a concurrent rebuild would change.
function writeProfiles(): void {
  writeFileSync(good, JSON.stringify(syntheticProfile()));
  writeFileSync(stale, JSON.stringify({ ...syntheticProfile(), tinysenseVersion: '0.0.0-other' }));
}

test('profile --help and --explain', () => {
  writeProfiles();
  const h = cli('profile', '--help');
  assert.is(h.code, 0);
  assert.match(h.out, 'usage: tinysense profile');
  const r = cli('profile', '--explain', good);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, 'dense:');
  assert.match(r.out, /n % 8 != 0 -> t = .* x padded MACs/);
});

test('inspect --time-model prints each layer next to the FLOPs baseline', () => {
  writeProfiles();
  const r = cli('inspect', model, '--time-model', good);
  assert.is(r.code, 0, r.err);
  for (const s of ['predicted us', 'FLOPs baseline us', 'total: predicted', 'test CPU', 'gru']) assert.match(r.out, s);
  const j = JSON.parse(cli('inspect', model, '--time-model', good, '--json').out);
  assert.ok(j.totalUs > 0 && j.layers.length > 0);
});

test('a profile from another version is refused with TIMEMODEL_PROFILE', () => {
  writeProfiles();
  const r = cli('inspect', model, '--time-model', stale);
  assert.is(r.code, 1);
  assert.match(r.err, 'TIMEMODEL_PROFILE');
  assert.match(r.err, 'another tinysense version');
  const e = cli('profile', '--explain', path.join(dir, 'missing.json'));
  assert.is(e.code, 1);
  assert.match(e.err, 'IO_FILE');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
