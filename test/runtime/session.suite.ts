// Session behaviour: input checks, run vs traced run, both builds, memory
// sized once and flat across runs, and the plan's one-call execution.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { writeModel } from '../../src/format/write.ts';
import { TinysenseError } from '../../src/errors.ts';
import { makeRng } from '../helpers/random.ts';
import { denseRef } from '../reference/dense.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { BUILDS } from '../helpers/wasm.ts';
import { engineSupportsRelaxedSimd } from '../../src/runtime/wasm.ts';

function mlp(seed = 1) {
  const b = createBuilder('mlp', { seed });
  const x = b.input('x', [3, 20]);
  const h = b.dense(x, { units: 13, activation: 'relu', biasInitializer: 'glorotUniform' });
  b.output(b.dense(h, { units: 5 }), 'y');
  return b.build();
}

function expectCode(fn: () => unknown, code: string) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, TinysenseError);
    assert.is((e as TinysenseError).code, code, (e as Error).message);
    return (e as Error).message;
  }
  assert.unreachable(`expected ${code}`);
  return '';
}

test('a two-layer MLP matches the reference on both builds, from the model and from its blob', () => {
  const model = mlp();
  const x = makeRng(5).floats(60);
  const [w1, b1, w2, b2] = [1, 2, 4, 5].map((i) => model.tensors[i].data as Float32Array);
  const h = denseRef(x, w1, b1, 3, 13, 20, { kind: 'relu' });
  const want = denseRef(h, w2, b2, 3, 5, 13);
  for (const build of BUILDS) {
    for (const source of [model, writeModel(model)]) {
      const s = loadModel(source, { build });
      assert.is(s.build, build);
      const y = s.run({ x }).y;
      assert.equal(y.shape, [3, 5]);
      assertClose(y.data, want, { rtol: sumTolerance(33), label: 'mlp', build });
    }
  }
});

test('run and runTraced agree; traced run reports one timing per op', () => {
  const s = loadModel(mlp());
  const x = makeRng(6).floats(60);
  const a = s.run({ x }).y.data;
  const traced = s.runTraced([x]);
  assert.equal([...traced.outputs.y.data], [...a]);
  assert.equal(traced.ops.map((o) => o.type), ['dense', 'dense']);
  assert.ok(traced.ops.every((o) => o.ms >= 0));
});

test('memory is sized at load and does not grow over many runs', () => {
  const s = loadModel(mlp());
  const before = s.memoryBytes();
  assert.ok(before >= s.plan.layout.end);
  const rng = makeRng(7);
  for (let i = 0; i < 500; i++) s.run({ x: rng.floats(60) });
  assert.is(s.memoryBytes(), before);
});

test('runInPlace uses the input views without copies', () => {
  const s = loadModel(mlp());
  const x = makeRng(8).floats(60);
  s.inputView(0).set(x);
  s.runInPlace();
  assert.equal([...s.outputView(0)], [...s.run({ x }).y.data]);
});

test('bad inputs are RUN_INPUT errors that name the input and the expected size', () => {
  const s = loadModel(mlp());
  let msg = expectCode(() => s.run({ wrong: new Float32Array(60) }), 'RUN_INPUT');
  assert.match(msg, /"x"/);
  msg = expectCode(() => s.run({ x: new Float32Array(59) }), 'RUN_INPUT');
  assert.match(msg, /60/);
  assert.match(msg, /59/);
  expectCode(() => s.run([new Float32Array(60), new Float32Array(1)]), 'RUN_INPUT');
  expectCode(() => s.run({ x: 5 as unknown as Float32Array }), 'RUN_INPUT');
});

test('loadModel checks the blob on the kernels\' CRC: a flipped bit in the weights is FORMAT_CHECKSUM on both builds', () => {
  const blob = writeModel(mlp());
  for (const build of BUILDS) {
    assert.ok(loadModel(blob, { build }).run([new Float32Array(60)]).y, build);
    for (const at of [blob.length - 9, 40]) {
      const bad = blob.slice();
      bad[at] ^= 4;
      const message = expectCode(() => loadModel(bad, { build, file: 'bad.tsm' }), 'FORMAT_CHECKSUM');
      assert.match(message, 'bad.tsm');
    }
  }
});

test('the wasm modules import nothing (they run under any engine)', async () => {
  const { compileKernels } = await import('../../src/runtime/wasm.ts');
  for (const build of BUILDS) {
    assert.equal(WebAssembly.Module.imports(compileKernels(build)), [], build);
  }
});

test('each build is the one it says: scalar twin, SIMD, relaxed SIMD', async () => {
  assert.ok(engineSupportsRelaxedSimd(), 'this engine has no relaxed SIMD (test/run.mjs turns it on with a V8 flag where it can)');
  assert.is(loadModel(mlp(), { build: 'scalar' }).build, 'scalar');
  const { instantiateKernels } = await import('../../src/runtime/wasm.ts');
  assert.is(instantiateKernels('scalar').simdBuild(), 0);
  assert.is(instantiateKernels('simd').simdBuild(), 1);
  assert.is(instantiateKernels('simd').relaxedSimdBuild(), 0);
  assert.is(instantiateKernels('relaxed').simdBuild(), 1);
  assert.is(instantiateKernels('relaxed').relaxedSimdBuild(), 1);
});

test('auto loads the relaxed build on an engine with relaxed SIMD', () => {
  assert.is(loadModel(mlp()).build, 'relaxed');
});

test.run();
