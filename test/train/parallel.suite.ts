// Data-parallel training (src/train/parallel.ts): two replicas, one in a
// worker thread, each on half of every batch, must take the same steps as
// one trainer on the whole batch where the two are the same computation (no
// batch-norm, no dropout): the only difference left is the order in which
// the batch's gradients are summed. Then the replicas must stay identical
// with batch-norm and dropout, a worker's failure must surface as an error,
// and a batch that does not split evenly must be refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import type { Model } from '../../src/graph/model.ts';
import { createTrainer, type TrainerOptions } from '../../src/train/engine.ts';
import { averageGradients, createParallelTrainer } from '../../src/train/parallel.ts';
import { TinysenseError } from '../../src/errors.ts';
import { makeRng } from '../helpers/random.ts';

const LEN = 12, CH = 3, CLASSES = 5, BATCH = 8;

function model(batch: number, withNorm: boolean): Model {
  const b = createBuilder('parallel', { seed: 5 });
  const x = b.input('x', [batch, LEN, CH]);
  let h = b.conv1d(x, { filters: 8, kernel: 3, padding: 'same' });
  if (withNorm) h = b.batchNorm(h, { fold: false });
  h = b.relu(h);
  if (withNorm) h = b.op('dropout', [h], { rate: 0.2 })[0];
  h = b.gru(h, { units: 10 });
  h = b.dense(h, { units: CLASSES });
  b.output(b.softmax(h), 'p');
  return b.build();
}

const options = (batch: number): TrainerOptions => ({ batch, loss: 'crossEntropy', optimizer: { kind: 'adam', lr: 0.01, weightDecay: 1e-3, decoupled: true }, seed: 9, clipNorm: 1 });

function batches(count: number) {
  const rng = makeRng(4);
  return Array.from({ length: count }, () => ({ x: rng.floats(BATCH * LEN * CH), y: Int32Array.from({ length: BATCH }, () => rng.int(0, CLASSES - 1)) }));
}

test('averageGradients: the mean of the replicas, the same bits whichever replica computes it', () => {
  const rng = makeRng(1);
  const n = 37, replicas = 3;
  const shares = Array.from({ length: replicas }, () => rng.floats(n));
  const slot = new Float32Array(replicas * n);
  shares.forEach((g, r) => slot.set(g, r * n));
  const results = shares.map((g, r) => {
    const own = g.slice();
    averageGradients(own, r, slot, replicas, n);
    return own;
  });
  for (let i = 0; i < n; i++) {
    const want = (shares[0][i] + shares[1][i] + shares[2][i]) / 3;
    assert.ok(Math.abs(results[0][i] - want) <= 1e-6 * (1 + Math.abs(want)), `element ${i}`);
    assert.is(results[1][i], results[0][i]);
    assert.is(results[2][i], results[0][i]);
  }
});

test('two replicas take the steps of one trainer on the whole batch (no batch-norm, no dropout)', () => {
  const data = batches(12);
  const single = createTrainer(model(BATCH, false), options(BATCH));
  const parallel = createParallelTrainer(model(BATCH / 2, false), options(BATCH), 2);
  try {
    for (const { x, y } of data) {
      const a = single.trainStep(x, y);
      const b = parallel.trainStep(x, y);
      // The loss is a mean over the batch either way; only rounding differs.
      assert.ok(Math.abs(a.loss - b.loss) <= 1e-5 * (1 + Math.abs(a.loss)), `loss ${a.loss} vs ${b.loss}`);
      assert.is(a.lr, b.lr);
    }
    const want = single.gradientView().length;
    assert.is(parallel.gradientView().length, want);
    // Every parameter after 12 Adam steps, within the rounding the summation order can cause.
    const ps = single.exportModel().tensors, pp = parallel.exportModel().tensors;
    let worst = 0;
    ps.forEach((t, i) => {
      if (!t.data || !(t.data instanceof Float32Array)) return;
      const u = pp[i].data as Float32Array;
      for (let j = 0; j < t.data.length; j++) worst = Math.max(worst, Math.abs(t.data[j] - u[j]) / (1e-3 + Math.abs(t.data[j])));
    });
    assert.ok(worst < 1e-3, `largest relative parameter difference ${worst}`);
  } finally {
    parallel.close();
  }
});

test('replicas with batch-norm and dropout stay in step and learn', () => {
  const data = batches(6);
  const parallel = createParallelTrainer(model(BATCH / 2, true), options(BATCH), 2);
  try {
    const first = parallel.trainStep(data[0].x, data[0].y).loss;
    let last = first;
    for (let e = 0; e < 30; e++) for (const { x, y } of data) last = parallel.trainStep(x, y).loss;
    assert.ok(Number.isFinite(last) && last < first, `loss ${first} -> ${last}`);
    assert.is(parallel.steps, 1 + 30 * data.length);
  } finally {
    parallel.close();
  }
});

test('a batch that does not split evenly over the workers is refused with a typed error', () => {
  try {
    createParallelTrainer(model(3, false), options(7), 2);
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, TinysenseError);
    assert.match((e as Error).message, /split evenly/);
  }
});

test('a worker that fails surfaces as an error on this thread, not a hang', () => {
  // A label outside the classes makes every replica's batch check throw; the worker's half holds it.
  const parallel = createParallelTrainer(model(BATCH / 2, false), options(BATCH), 2);
  try {
    const { x, y } = batches(1)[0];
    const bad = y.slice();
    bad[BATCH - 1] = CLASSES + 3;
    try {
      parallel.trainStep(x, bad);
      assert.unreachable("should have thrown");
    } catch (e) {
      assert.instance(e, TinysenseError);
      assert.match((e as Error).message, /worker failed: RUN_INPUT: label 8 is outside/);
    }
  } finally {
    parallel.close();
  }
});

test.run();
