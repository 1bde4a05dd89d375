// The CLI as users run it: the built bin (dist/cli.js), its exit codes and
// messages, and every `npx tinysense` command shown in the README.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/util/npy.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'models/deepsense-wisdm.tsm';
const SAMPLES = JSON.parse(readFileSync(new URL('../../models/samples/labels.json', import.meta.url), 'utf8')) as string[];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli.js'), ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('every command has --help, and no command prints usage with exit 2', () => {
  for (const c of ['inspect', 'run', 'bench', 'demo', 'train', 'eval']) {
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
  for (const s of ['fft', 'conv2d', 'gru', 'softmax', 'params', 'MACs', 'arena', 'weights']) assert.match(r.out, s);
  const j = JSON.parse(cli('inspect', MODEL, '--json').out);
  assert.equal(j.ops.slice(0, 3).map((o: { type: string }) => o.type), ['mul', 'add', 'fft']);
  assert.is(j.totals.macs, j.ops.reduce((s: number, o: { macs: number }) => s + o.macs, 0));
  assert.ok(j.memory.arenaBytes >= j.memory.peakLiveBytes && j.memory.peakLiveBytes > 0);
  // the accelerometer's first conv: [1 x 3] kernel over the (re, im) of 3 axes, on 10 intervals of 11 frequency bins (valid: 9)
  const conv = j.ops.find((o: { name: string }) => o.name === 'accel.conv0');
  const [, intervals, bins, filters] = conv.outputShape;
  assert.equal([intervals, bins], [10, 9]);
  assert.is(conv.macs, intervals * bins * filters * 3 * 6);
  assert.is(conv.params, 3 * 6 * filters + filters);
});

test('run: every sample window, a .npy of outputs, JSON output', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tinysense-cli-'));
  try {
    const out = path.join(dir, 'probs.npy');
    const r = cli('run', MODEL, '--input', 'models/samples/windows.npy', '--output', out);
    assert.is(r.code, 0, r.err);
    const rows = r.out.split('\n').filter((l) => /^\d+\s/.test(l));
    assert.is(rows.length, SAMPLES.length);
    // a trained model: most sample windows (test participants) get their label
    const right = rows.filter((l, i) => l.split(/\s+/)[1] === SAMPLES[i]).length;
    assert.ok(right >= 0.6 * SAMPLES.length, `${right}/${SAMPLES.length} sample windows right`);
    const probs = readNpy(new Uint8Array(readFileSync(out)));
    assert.equal(probs.shape, [SAMPLES.length, 18]);
    for (let w = 0; w < SAMPLES.length; w++) {
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

test('the README library example runs against the built package', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const code = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(code, 'README has a ts example');
  const file = path.join(root, `.readme-example-${process.pid}.mjs`);
  writeFileSync(file, code!.replace("from 'tinysense'", "from './dist/index.js'"));
  try {
    const r = spawnSync(process.execPath, [file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    assert.is(r.status, 0, r.stderr);
    assert.match(r.stdout, '[ 1, 18 ]');
  } finally {
    rmSync(file, { force: true });
  }
});

test('tinysense/runtime (dist/runtime.js): the runtime alone predicts as the full package, without the importers', async () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  assert.is(pkg.exports['./runtime'], './dist/runtime.js');
  const lean = await import(path.join(root, 'dist/runtime.js'));
  const full = await import(path.join(root, 'dist/index.js'));
  assert.not.ok('importOnnx' in lean || 'createTrainer' in lean, 'the runtime bundle leaves importers and training out');
  // Every value src/runtime/index.ts exports reaches the package export (the loader lists them by hand).
  const entry = await import(path.join(root, 'src/runtime/index.ts'));
  for (const name of Object.keys(entry)) assert.ok(name in lean, `dist/runtime.js lacks ${name}`);
  const bundle = readFileSync(path.join(root, 'dist/runtime-core.js'), 'utf8');
  assert.not.ok(bundle.includes('protobuf'), 'no protobuf parser in the runtime bundle');
  const bytes = new Uint8Array(readFileSync(path.join(root, MODEL)));
  const windows = readNpy(readFileSync(path.join(root, 'models/samples/windows.npy')));
  const per = windows.shape.slice(1).reduce((a, b) => a * b, 1);
  const a = lean.loadModel(bytes), b = full.loadModel(bytes);
  for (let w = 0; w < 3; w++) {
    const x = (windows.data as Float32Array).subarray(w * per, (w + 1) * per);
    assert.equal(Array.from(a.run([x]).probabilities.data), Array.from(b.run([x]).probabilities.data), `window ${w}`);
  }
  try {
    lean.readModel(bytes.subarray(0, 40));
    assert.unreachable('a truncated blob must throw');
  } catch (e) {
    assert.instance(e, lean.TinysenseError);
  }
});

// A fresh process, as an application starts: the build's code cache is taken;
// a cache V8 rejects (here: garbage) only costs the compile.
test('tinysense/runtime: a fresh process takes the build code cache, and runs without a usable one', () => {
  const probe = (dir: string) => {
    const script = `const rt = await import(${JSON.stringify(path.join(dir, 'runtime.js'))});
      const s = rt.loadModel(new Uint8Array((await import('node:fs')).readFileSync(${JSON.stringify(path.join(root, MODEL))})));
      s.runInPlace();
      console.log(JSON.stringify({ used: rt.codeCacheUsed, out: Array.from(s.outputView(0)) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { used: boolean; out: number[] };
  };
  const built = probe(path.join(root, 'dist'));
  assert.ok(built.used, 'V8 rejected dist/runtime-core.cache (built by this Node?)');
  const tmp = mkdtempSync(path.join(tmpdir(), 'tinysense-cache-'));
  try {
    mkdirSync(path.join(tmp, 'dist'));
    for (const f of ['runtime.js', 'runtime-core.js']) copyFileSync(path.join(root, 'dist', f), path.join(tmp, 'dist', f));
    writeFileSync(path.join(tmp, 'dist', 'runtime-core.cache'), new Uint8Array(4096).fill(7));
    symlinkSync(path.join(root, 'wasm'), path.join(tmp, 'wasm'));
    const rejected = probe(path.join(tmp, 'dist'));
    assert.not.ok(rejected.used);
    assert.equal(rejected.out, built.out);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
