// An independent cross-check: the same conv1d + GRU + dense classifier,
// with identical initial weights and data, trained a few steps with SGD and
// with Adam by tinysense and by TensorFlow.js (@tensorflow/tfjs, CPU
// backend; a devDependency used only here). tfjs-layers' GRU is the
// reset-before form (linear_before_reset = 0) with one bias, so the
// tinysense graph uses that form with bW only (bR absent), and sigmoid
// recurrent activation on both sides. The loss is the mean softmax
// cross-entropy on the logits (tf.losses.softmaxCrossEntropy).
//
// Tolerance: both sides compute in f32 and differ only in summation order,
// so the losses agree to ~1e-6 relative per step and the differences grow
// slowly with the steps; we allow 2e-5 absolute on losses of order 1.4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as tf from '@tensorflow/tfjs';
import { createBuilder } from '../../src/graph/builder.ts';
import { createTrainer, type TrainerOptions } from '../../src/train/index.ts';
import { makeRng } from '../helpers/random.ts';

const [B, L, C, F, KW, H, K] = [8, 12, 3, 5, 3, 6, 4];
const STEPS = 6;
export const TFJS_LOSS_ATOL = 2e-5;

const rng = makeRng(2024);
const w = {
  conv: rng.floats(KW * C * F, 0.5), convB: rng.floats(F, 0.1),
  W: rng.floats(F * 3 * H, 0.5), R: rng.floats(H * 3 * H, 0.5), b: rng.floats(3 * H, 0.1),
  dense: rng.floats(H * K, 0.5), denseB: rng.floats(K, 0.1),
};
const x = rng.floats(B * L * C);
const labels = Int32Array.from({ length: B }, () => rng.int(0, K - 1));

function tinysenseLosses(optimizer: TrainerOptions['optimizer']): number[] {
  const b = createBuilder('crosscheck');
  const input = b.input('x', [B, L, C]);
  const h = b.conv1d(input, { filters: F, kernel: KW, activation: 'relu', kernelInitializer: w.conv, biasInitializer: w.convB });
  const g = b.op('gru', [h, b.constant('W', [F, 3 * H], w.W), b.constant('R', [H, 3 * H], w.R), b.constant('bW', [3 * H], w.b), null], { hidden: H, returnSequences: 0, linearBeforeReset: 0 })[0];
  b.output(b.dense(g, { units: K, kernelInitializer: w.dense, biasInitializer: w.denseB }), 'logits');
  const trainer = createTrainer(b.build(), { batch: B, loss: 'crossEntropy', optimizer });
  return Array.from({ length: STEPS }, () => trainer.trainStep(x, labels).loss);
}

function tfjsLosses(optimizer: tf.Optimizer): number[] {
  const model = tf.sequential();
  model.add(tf.layers.conv1d({ inputShape: [L, C], filters: F, kernelSize: KW, activation: 'relu' }));
  model.add(tf.layers.gru({ units: H, recurrentActivation: 'sigmoid', activation: 'tanh', returnSequences: false }));
  model.add(tf.layers.dense({ units: K }));
  model.layers[0].setWeights([tf.tensor3d(w.conv, [KW, C, F]), tf.tensor1d(w.convB)]);
  model.layers[1].setWeights([tf.tensor2d(w.W, [F, 3 * H]), tf.tensor2d(w.R, [H, 3 * H]), tf.tensor1d(w.b)]);
  model.layers[2].setWeights([tf.tensor2d(w.dense, [H, K]), tf.tensor1d(w.denseB)]);
  const xs = tf.tensor3d(x, [B, L, C]);
  const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), K);
  const losses: number[] = [];
  for (let s = 0; s < STEPS; s++) {
    const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(onehot, model.apply(xs, { training: true }) as tf.Tensor) as tf.Scalar, true)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  return losses;
}

function printTable(name: string, ours: number[], theirs: number[]): void {
  if (!process.env.TINYSENSE_TFJS_TABLE) return;
  console.log(ours.map((l, i) => `| ${name} | ${i} | ${l.toFixed(7)} | ${theirs[i].toFixed(7)} | ${Math.abs(l - theirs[i]).toExponential(1)} |`).join('\n'));
}

test.before(async () => {
  await tf.setBackend('cpu');
  // The CPU backend greets its first tensor in Node with a banner suggesting tfjs-node; keep the test output clean.
  const warn = console.warn;
  console.warn = () => {};
  tf.scalar(0).dispose();
  console.warn = warn;
});

test('SGD steps: same losses as TensorFlow.js', () => {
  const ours = tinysenseLosses({ kind: 'sgd', lr: 0.5 });
  const theirs = tfjsLosses(tf.train.sgd(0.5));
  ours.forEach((l, i) => assert.ok(Math.abs(l - theirs[i]) < TFJS_LOSS_ATOL, `step ${i}: tinysense ${l}, tfjs ${theirs[i]}`));
  assert.ok(ours[STEPS - 1] < ours[0] - 0.05, `the loss falls: ${ours}`);
  printTable('sgd', ours, theirs);
});

test('Adam steps: same losses as TensorFlow.js', () => {
  const ours = tinysenseLosses({ kind: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 });
  const theirs = tfjsLosses(tf.train.adam(0.05, 0.9, 0.999, 1e-7));
  ours.forEach((l, i) => assert.ok(Math.abs(l - theirs[i]) < TFJS_LOSS_ATOL, `step ${i}: tinysense ${l}, tfjs ${theirs[i]}`));
  printTable('adam', ours, theirs);
});

test.run();
