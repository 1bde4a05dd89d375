// The DeepSense builder: graph shapes and parameter counts of a small
// config worked out by hand (both input modes, classification and
// regression), the normalisation in front of the input, and that the
// trainer takes the graph.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deepsense, prependNormalization, type DeepSenseConfig } from '../../src/train/deepsense.ts';
import { createTrainer } from '../../src/train/index.ts';
import { normalizationFromMetadata, normalizeWindows, type WindowSet } from '../../src/train/data/index.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { writeModel } from '../../src/format/index.ts';
import type { Model } from '../../src/graph/model.ts';
import { makeRng } from '../helpers/random.ts';

const SMALL: DeepSenseConfig = {
  sensors: [{ name: 'accel', channels: 3 }, { name: 'gyro', channels: 3 }],
  intervals: 4, intervalLength: 8, convFilters: 4, convKernels: [3, 3], mergeFilters: 4, mergeKernels: [3],
  gruUnits: 5, gruLayers: 2, outputs: 3, dropout: 0.1,
};

/** Trainable parameters (batch-norm running statistics are state, not parameters). */
function paramCount(m: Model): number {
  const state = new Set(m.ops.filter((o) => o.type === 'batchNorm').flatMap((o) => o.inputs.slice(3)));
  return m.tensors.reduce((n, t, i) => n + (t.data && !state.has(i) ? t.data.length : 0), 0);
}
const shapeOf = (m: Model, opName: string) => m.tensors[m.ops.find((o) => o.name === opName)!.outputs[0]].shape;

// Per-sensor conv [1 x 3]: 3 * in * 4 + 4 bias, batch-norm gamma + beta: 8.
const conv = (cin: number) => 3 * cin * 4 + 4 + 8;
// GRU: W [in, 15], R [5, 15], two biases of 15.
const gru = (inSize: number) => inSize * 15 + 5 * 15 + 30;

test('frequency input: fft [N, 4, 5, 12], convs valid then same, GRU over 4 intervals, softmax of 3', () => {
  const m = deepsense(SMALL);
  assert.equal(m.tensors[m.inputs[0]].shape, [1, 32, 6]);
  assert.equal(shapeOf(m, 'fft'), [1, 4, 5, 12]);
  // 5 bins -> valid 3 (keeps 3) -> same 3; merge same 3.
  assert.equal(shapeOf(m, 'accel.conv0'), [1, 4, 3, 4]);
  assert.equal(shapeOf(m, 'gyro.conv1'), [1, 4, 3, 4]);
  assert.equal(shapeOf(m, 'merge'), [1, 4, 3, 8]);
  assert.equal(shapeOf(m, 'flatten'), [1, 4, 12]);
  assert.equal(m.tensors[m.outputs[0]].shape, [1, 3]);
  assert.is(m.ops[m.ops.length - 1].type, 'softmax');
  // accel conv0 on 6 (re, im of 3 axes) channels
  const expected = 2 * (conv(6) + conv(4)) + (3 * 8 * 4 + 4 + 8) + gru(12) + gru(5) + 5 * 3 + 3;
  assert.is(paramCount(m), expected);
  assert.is(m.ops.filter((o) => o.type === 'dropout').length, 2 * 2 + 1 + 1 + 1);
});

test('time input: reshape [N, 4, 8, 6], valid convs 8 -> 6 -> 4, merge same; regression has a linear head', () => {
  const m = deepsense({ ...SMALL, input: 'time', task: 'regression', outputs: 2, dropout: 0 });
  assert.equal(shapeOf(m, 'intervals'), [1, 4, 8, 6]);
  assert.equal(shapeOf(m, 'accel.conv0'), [1, 4, 6, 4]);
  assert.equal(shapeOf(m, 'accel.conv1'), [1, 4, 4, 4]);
  assert.equal(shapeOf(m, 'merge.conv0'), [1, 4, 4, 4]);
  assert.equal(m.tensors[m.outputs[0]].shape, [1, 2]);
  assert.is(m.ops[m.ops.length - 1].type, 'dense');
  assert.not.ok(m.ops.some((o) => o.type === 'dropout' || o.type === 'softmax' || o.type === 'fft'));
  assert.is(paramCount(m), 2 * (conv(3) + conv(4)) + (3 * 8 * 4 + 4 + 8) + gru(16) + gru(5) + 5 * 2 + 2);
});

test('one sensor, no split or concat; bad configs are MODEL_ATTRIBUTE', () => {
  const m = deepsense({ ...SMALL, sensors: [{ name: 'imu', channels: 6 }] });
  assert.not.ok(m.ops.some((o) => o.type === 'split' || o.type === 'concat'));
  assert.equal(shapeOf(m, 'imu.conv0'), [1, 4, 3, 4]);
  for (const bad of [{ sensors: [] }, { intervals: 0 }, { input: 'wavelet' }, { dropout: 1 }, { convKernels: [0] }, { task: 'ranking' }]) {
    assert.throws(() => deepsense({ ...SMALL, ...bad } as DeepSenseConfig), (e: Error) => e.message.includes('MODEL_ATTRIBUTE'), JSON.stringify(bad));
  }
});

test('normalisation: the model on raw values equals the body on normalised values; statistics in metadata', () => {
  const norm = { channels: ['ax', 'ay', 'az', 'gx', 'gy', 'gz'], mean: [0.5, -9.8, 1, 0, 0.1, -0.2], std: [2, 3, 1.5, 0.5, 0.7, 0.9] };
  const body = deepsense({ ...SMALL, dropout: 0 });
  const withNorm = deepsense({ ...SMALL, dropout: 0, normalization: norm });
  assert.equal(withNorm.ops.slice(0, 2).map((o) => o.type), ['mul', 'add']);
  assert.equal(normalizationFromMetadata(withNorm.metadata), norm);
  assert.is(paramCount(withNorm), paramCount(body) + 12);
  const rng = makeRng(3);
  const raw = Float32Array.from({ length: 32 * 6 }, (_, i) => norm.mean[i % 6] + norm.std[i % 6] * (rng.next() * 4 - 2));
  const set: WindowSet = { x: raw, y: new Int32Array(1), subject: new Int32Array(1), subjects: ['a'], count: 1, length: 32, channels: norm.channels, labels: ['a', 'b', 'c'] };
  const a = loadModel(writeModel(withNorm)).run([raw]).probabilities.data;
  const b = loadModel(writeModel(body)).run([normalizeWindows(set, norm).x]).probabilities.data;
  for (let j = 0; j < 3; j++) assert.ok(Math.abs(a[j] - b[j]) < 1e-5, `class ${j}: ${a[j]} vs ${b[j]}`);
  assert.throws(() => prependNormalization(body, { ...norm, mean: [0], std: [1], channels: ['x'] }), (e: Error) => e.message.includes('MODEL_SHAPE_MISMATCH'));
});

test('the trainer takes both heads (a step each, finite loss)', () => {
  const rng = makeRng(5);
  const x = rng.floats(4 * 32 * 6);
  const cls = createTrainer(deepsense(SMALL), { batch: 4, loss: 'crossEntropy' });
  assert.ok(Number.isFinite(cls.trainStep(x, Int32Array.from([0, 1, 2, 1])).loss));
  const reg = createTrainer(deepsense({ ...SMALL, input: 'time', task: 'regression', outputs: 2 }), { batch: 4, loss: 'mse' });
  assert.ok(Number.isFinite(reg.trainStep(x, rng.floats(8)).loss));
});

test.run();
