// The trainer end to end: it memorises 32 fixed windows, fits a known
// linear function, is deterministic given a seed, and a trained model
// exported (batch-norm folded, dropout removed) and reloaded by the runtime
// predicts what the trainer predicts in eval mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import type { Model } from '../../src/graph/model.ts';
import { createTrainer, learningRate, type TrainerOptions } from '../../src/train/index.ts';
import { writeModel } from '../../src/format/index.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { BUILDS } from '../helpers/wasm.ts';
import { makeRng } from '../helpers/random.ts';

const WINDOWS = 32, LEN = 16, CH = 3, CLASSES = 4;

/** conv1d + batch-norm + relu -> pool -> dropout -> GRU -> dense (+ softmax). */
function tinyClassifier(batch: number, softmax: boolean, seed = 7): Model {
  const b = createBuilder('tiny', { seed });
  const x = b.input('x', [batch, LEN, CH]);
  let h = b.conv1d(x, { filters: 12, kernel: 3, padding: 'same' });
  h = b.batchNorm(h, { fold: false });
  h = b.relu(h);
  h = b.op('maxPool1d', [h], { kernel: [2] })[0];
  h = b.op('dropout', [h], { rate: 0.1 })[0];
  h = b.gru(h, { units: 16 });
  h = b.dense(h, { units: CLASSES });
  b.output(softmax ? b.softmax(h) : h, 'y');
  return b.build({ labels: ['a', 'b', 'c', 'd'] });
}

/** 32 windows of noise with random labels: only memorisation gets them all. */
function noiseWindows(seed: number): { x: Float32Array; y: Int32Array } {
  const rng = makeRng(seed);
  return { x: rng.floats(WINDOWS * LEN * CH), y: Int32Array.from({ length: WINDOWS }, () => rng.int(0, CLASSES - 1)) };
}

function argmax(p: Float32Array, row: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (p[row * n + j] > p[row * n + best]) best = j;
  return best;
}

test('overfits 32 fixed windows to 100 % (conv + batch-norm + GRU, Adam)', () => {
  const { x, y } = noiseWindows(1);
  const trainer = createTrainer(tinyClassifier(8, true), { batch: 8, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 0.02 }, seed: 3 });
  const losses = trainer.fit(x, y, WINDOWS, { epochs: 60 });
  const p = trainer.predict(x, WINDOWS);
  let correct = 0;
  for (let i = 0; i < WINDOWS; i++) if (argmax(p, i, CLASSES) === y[i]) correct++;
  assert.is(correct, WINDOWS, `accuracy ${correct}/${WINDOWS}, losses ${losses[0].toFixed(3)} -> ${losses[losses.length - 1].toFixed(3)}`);
  assert.ok(losses[losses.length - 1] < 0.1 * losses[0]);
});

test('a regression head fits a known linear function (MSE), with SGD momentum, RMSProp and Adam', () => {
  const rng = makeRng(2);
  const n = 64, k = 5, m = 2;
  const A = rng.floats(k * m), c = rng.floats(m);
  const x = rng.floats(n * k, 2);
  const t = new Float32Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) {
    let s = c[j];
    for (let p = 0; p < k; p++) s += x[i * k + p] * A[p * m + j];
    t[i * m + j] = s;
  }
  const optimizers: TrainerOptions['optimizer'][] = [
    { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
    { kind: 'rmsprop', lr: 0.01, momentum: 0.5 },
    { kind: 'adam', lr: 0.05 },
  ];
  for (const optimizer of optimizers) {
    const b = createBuilder('linear', { seed: 1 });
    b.output(b.dense(b.input('x', [16, k]), { units: m }), 'y');
    const trainer = createTrainer(b.build(), { batch: 16, loss: 'mse', optimizer, schedule: { kind: 'step', stepSize: 200, gamma: 0.3 } });
    const losses = trainer.fit(x, t, n, { epochs: 150 });
    const w = trainer.tensor('dense.weight');
    const bias = trainer.tensor('dense.bias');
    const err = Math.max(...w.map((v, i) => Math.abs(v - A[i])), ...bias.map((v, i) => Math.abs(v - c[i])));
    assert.ok(losses[losses.length - 1] < 1e-5 && err < 1e-2, `${optimizer!.kind}: loss ${losses[losses.length - 1]}, max weight error ${err}`);
  }
});

test('deterministic given a seed: two runs give identical losses; another seed differs', () => {
  const { x, y } = noiseWindows(4);
  const run = (seed: number) => {
    const trainer = createTrainer(tinyClassifier(8, true, seed), { batch: 8, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 0.01, weightDecay: 1e-3, decoupled: true }, seed, clipNorm: 1 });
    const losses: number[] = [];
    trainer.fit(x, y, WINDOWS, { epochs: 3, onStep: (_e, _s, r) => losses.push(r.loss) });
    return losses;
  };
  const a = run(5), b = run(5), c = run(6);
  assert.equal(a, b);
  assert.not.equal(a, c);
});

test('export: batch-norm folded, dropout removed; the runtime predicts as the trainer in eval mode', () => {
  const { x, y } = noiseWindows(8);
  for (const softmax of [true, false]) {
    const trainer = createTrainer(tinyClassifier(8, softmax), { batch: 8, loss: 'crossEntropy', optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }, seed: 2 });
    trainer.fit(x, y, WINDOWS, { epochs: 5 });
    const want = trainer.predict(x, WINDOWS);
    const exported = trainer.exportModel();
    const types = exported.ops.map((o) => o.type);
    assert.not.ok(types.includes('batchNorm') || types.includes('dropout'), `ops ${types}`);
    assert.is(exported.ops[0].attrs.activation, 'relu');
    assert.equal(exported.metadata.labels, ['a', 'b', 'c', 'd']);
    for (const build of BUILDS) {
      const session = loadModel(writeModel(exported), { build });
      let maxDiff = 0;
      for (let i = 0; i < WINDOWS; i++) {
        const out = session.run([x.subarray(i * LEN * CH, (i + 1) * LEN * CH)]).y.data;
        assert.is(argmax(out, 0, CLASSES), argmax(want, i, CLASSES), `window ${i} argmax (${build})`);
        for (let j = 0; j < CLASSES; j++) maxDiff = Math.max(maxDiff, Math.abs(out[j] - want[i * CLASSES + j]));
      }
      assert.ok(maxDiff < 1e-4, `max |runtime - trainer| = ${maxDiff} (${build}, softmax ${softmax})`);
    }
  }
});

test('weight averaging: predict and export use the moving average of the weights, which the runtime reproduces', () => {
  const { x, y } = noiseWindows(9);
  const decay = 0.9;
  const model = tinyClassifier(8, false);
  const trainer = createTrainer(model, { batch: 8, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 0.01 }, seed: 4, averageDecay: decay, labelSmoothing: 0.1 });
  // The dense weight's average, recomputed here from the live weight after every step.
  const name = model.tensors.find((t) => t.data && t.shape.length === 2 && t.shape[1] === CLASSES)!.name;
  let want = Float64Array.from(trainer.tensor(name));
  trainer.fit(x, y, WINDOWS, {
    epochs: 3,
    onStep: (_e, steps) => {
      const d = Math.min(decay, steps / (9 + steps));
      const live = trainer.tensor(name);
      want = want.map((v, i) => d * v + (1 - d) * live[i]);
    },
  });
  const exported = trainer.exportModel();
  const got = exported.tensors.find((t) => t.name === name)!.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  assert.ok(maxDiff < 1e-5, `exported dense weight vs recomputed average: max diff ${maxDiff}`);
  const live = trainer.tensor(name);
  assert.ok(live.some((v, i) => Math.abs(v - want[i]) > 1e-3), 'the live weights stay the raw ones');
  const p = trainer.predict(x, WINDOWS);
  const session = loadModel(writeModel(exported));
  for (let i = 0; i < WINDOWS; i++) {
    const out = session.run([x.subarray(i * LEN * CH, (i + 1) * LEN * CH)]).y.data;
    for (let j = 0; j < CLASSES; j++) assert.ok(Math.abs(out[j] - p[i * CLASSES + j]) < 1e-4, `window ${i} logit ${j}`);
  }
});

test('learning-rate schedules', () => {
  assert.is(learningRate(0.1, { kind: 'constant' }, 99), 0.1);
  assert.ok(Math.abs(learningRate(0.1, { kind: 'step', stepSize: 10, gamma: 0.5 }, 25) - 0.025) < 1e-12);
  const cos = { kind: 'cosine', totalSteps: 110, warmupSteps: 10, minLr: 0.01 } as const;
  assert.ok(Math.abs(learningRate(0.1, cos, 4) - 0.05) < 1e-12);
  assert.ok(Math.abs(learningRate(0.1, cos, 10) - 0.1) < 1e-12);
  assert.ok(Math.abs(learningRate(0.1, cos, 60) - 0.055) < 1e-12);
  assert.ok(Math.abs(learningRate(0.1, cos, 110) - 0.01) < 1e-12);
});

test('bad batches are typed errors', () => {
  const trainer = createTrainer(tinyClassifier(2, true), { batch: 2, loss: 'crossEntropy' });
  assert.throws(() => trainer.trainStep(new Float32Array(3), new Int32Array(2)), (e: Error) => e.message.includes('RUN_INPUT'));
  assert.throws(() => trainer.trainStep(new Float32Array(2 * LEN * CH), Int32Array.from([0, 9])), (e: Error) => e.message.includes('RUN_INPUT'));
});

test.run();
