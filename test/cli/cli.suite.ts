// The CLI as users run it: the built bin (dist/cli.js), its exit codes and
// messages, and every `npx tinysense` command shown in the README.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/util/npy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'models/demo-har.tsm';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('every command has --help, and no command prints usage with exit 2', () => {
  for (const c of ['inspect', 'run', 'bench', 'demo']) {
    const r = cli(c, '--help');
    assert.is(r.code, 0, c);
    assert.match(r.out, `usage: tinysense ${c}`);
  }
  const none = cli();
  assert.is(none.code, 2);
  assert.match(none.out, 'usage: tinysense <command>');
  assert.is(cli('frobnicate').code, 2);
});

test('inspect prints ops, params, MACs and the memory plan; --json is the same data', () => {
  const r = cli('inspect', MODEL);
  assert.is(r.code, 0, r.err);
  for (const s of ['conv1d', 'gru', 'softmax', 'params', 'MACs', 'arena', 'weights']) assert.match(r.out, s);
  const j = JSON.parse(cli('inspect', MODEL, '--json').out);
  assert.is(j.ops.length, 6);
  assert.is(j.totals.macs, j.ops.reduce((s: number, o: { macs: number }) => s + o.macs, 0));
  assert.ok(j.memory.arenaBytes >= j.memory.peakLiveBytes && j.memory.peakLiveBytes > 0);
  // conv1d: 100 outputs x 32 filters x kernel 5 x 6 channels
  assert.is(j.ops[0].macs, 100 * 32 * 5 * 6);
  assert.is(j.ops[0].params, 5 * 6 * 32 + 32);
});

test('run: every sample window, a .npy of outputs, JSON output', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-cli-'));
  try {
    const out = path.join(dir, 'probs.npy');
    const r = cli('run', MODEL, '--input', 'models/samples/windows.npy', '--output', out);
    assert.is(r.code, 0, r.err);
    assert.is(r.out.split('\n').filter((l) => /^\d+\s/.test(l)).length, 6);
    const probs = readNpy(new Uint8Array(readFileSync(out)));
    assert.equal(probs.shape, [6, 18]);
    for (let w = 0; w < 6; w++) {
      const s = probs.data.subarray(w * 18, (w + 1) * 18).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(s - 1) < 1e-5, `window ${w} sums to ${s}`);
    }
    // raw f32 input gives the same answer as the .npy
    const raw = path.join(dir, 'w0.bin');
    writeFileSync(raw, Buffer.from(readNpy(new Uint8Array(readFileSync(path.join(root, 'models/samples/windows.npy')))).data.slice(0, 1200).buffer));
    const j = JSON.parse(cli('run', MODEL, '--input', raw, '--json').out);
    assert.is(j.length, 1);
    assert.ok(Math.abs(j[0].probabilities.data[3] - probs.data[3]) < 1e-7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('errors are one line with the code, naming the file; usage errors exit 2', () => {
  const missing = cli('inspect', 'no/such/model.tsm');
  assert.is(missing.code, 1);
  assert.match(missing.err, 'IO_FILE');
  assert.match(missing.err, 'no/such/model.tsm');
  assert.is(cli('inspect').code, 2);
  assert.is(cli('inspect', MODEL, '--bogus').code, 2);
  const notModel = cli('inspect', 'models/samples/labels.json');
  assert.is(notModel.code, 1);
  assert.match(notModel.err, /FORMAT_/);
  const badInput = cli('run', MODEL, '--input', 'models/default.json');
  assert.is(badInput.code, 1);
  assert.match(badInput.err, /IO_FILE|RUN_INPUT/);
  assert.not.match(badInput.err, /at .*\.js:\d+/); // no stack trace
});

test('every `npx tinysense` command in the README runs', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const commands = [...readme.matchAll(/^npx tinysense (.+?)(?:\s+#.*)?$/gm)].map((m) => m[1].trim().split(/\s+/));
  assert.ok(commands.length >= 4);
  const written: string[] = [];
  try {
    for (const args of commands) {
      const o = args.indexOf('-o');
      if (o >= 0) written.push(path.join(root, args[o + 1]));
      const r = cli(...args);
      assert.is(r.code, 0, `tinysense ${args.join(' ')}: ${r.err}`);
    }
  } finally {
    for (const f of written) rmSync(f, { force: true });
  }
});

test.run();
