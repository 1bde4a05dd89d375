// The IR ops training graphs add: batchNorm (inference form: per-channel
// scale and shift, run by the runtime as two BINARY records) and dropout
// (identity at inference). Checked against the f64 formula, through the
// .tsm writer and reader, on both builds; the builder keeps batch-norm
// unfolded with { fold: false }; bad attributes are typed errors; a
// batch-norm the exporter cannot fold stays a batchNorm op the runtime runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import { writeModel, readModel } from '../../src/format/index.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { createTrainer } from '../../src/train/index.ts';
import { isTinysenseError } from '../../src/errors.ts';
import { BUILDS } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';

const rng = makeRng(77);

test('batchNorm (unfolded) and dropout run in the runtime as the inference formula', () => {
  for (const shape of [[2, 5, 3], [1, 4, 3, 7], [3, 9]]) {
    const c = shape[shape.length - 1];
    const gamma = rng.floats(c), beta = rng.floats(c), mean = rng.floats(c), variance = rng.floats(c).map((v) => 0.5 + Math.abs(v));
    const eps = 1e-3;
    const b = createBuilder('bn');
    const x = b.input('x', shape);
    const y = b.op('dropout', [b.batchNorm(x, { fold: false, gamma, beta, mean, variance, epsilon: eps })], { rate: 0.4 })[0];
    b.output(y, 'y');
    const model = readModel(writeModel(b.build()));
    assert.equal(model.ops.map((o) => o.type), ['batchNorm', 'dropout']);
    const xs = rng.floats(shape.reduce((a, d) => a * d, 1));
    const want = Float64Array.from(xs, (v, i) => ((v - mean[i % c]) / Math.sqrt(variance[i % c] + eps)) * gamma[i % c] + beta[i % c]);
    for (const build of BUILDS) {
      const got = loadModel(model, { build }).run([xs]).y.data;
      assertClose(got, want, { rtol: sumTolerance(4), label: `batchNorm [${shape}]`, build });
    }
  }
});

test('bad batchNorm / dropout attributes and shapes are typed errors', () => {
  const cases: [string, () => void][] = [
    ['dropout rate 1', () => { const b = createBuilder('d'); b.op('dropout', [b.input('x', [1, 2])], { rate: 1 }); }],
    ['momentum 2', () => { const b = createBuilder('m'); b.batchNorm(b.input('x', [1, 3]), { fold: false, momentum: 2 }); }],
    ['gamma of the wrong length', () => {
      const b = createBuilder('g');
      const v = b.constant('v', [2], new Float32Array(2));
      b.op('batchNorm', [b.input('x', [1, 3]), v, v, v, v]);
    }],
  ];
  for (const [label, fn] of cases) {
    try {
      fn();
      assert.unreachable(`${label}: no error`);
    } catch (e) {
      assert.ok(isTinysenseError(e) && /MODEL_(ATTRIBUTE|SHAPE_MISMATCH)/.test(e.code), `${label}: ${e}`);
    }
  }
});

test('export keeps a batch-norm it cannot fold (after a relu) and the runtime runs it', () => {
  const b = createBuilder('unfoldable', { seed: 4 });
  const x = b.input('x', [4, 6]);
  const h = b.batchNorm(b.dense(x, { units: 5, activation: 'relu' }), { fold: false });
  b.output(b.dense(h, { units: 2 }), 'y');
  const trainer = createTrainer(b.build(), { batch: 4, loss: 'mse', optimizer: { kind: 'sgd', lr: 0.1 } });
  const xs = rng.floats(24);
  for (let i = 0; i < 5; i++) trainer.trainStep(xs, rng.floats(8));
  const exported = trainer.exportModel({ batch: 4 });
  assert.equal(exported.ops.map((o) => o.type), ['dense', 'batchNorm', 'dense']);
  const want = trainer.predict(xs, 4);
  assertClose(loadModel(writeModel(exported)).run([xs]).y.data, want, { rtol: 1e-5, label: 'unfolded export' });
});

test.run();
