// The trainer's layer-level autograd on whole graphs: for every op the
// trainer supports, the parameter gradients of the training-mode loss match
// central finite differences of that same loss (computed by the trainer's
// forward pass, in f32). The kernels' own gradients are checked strictly in
// f64 by grad-layers / grad-recurrent; this suite checks the plumbing
// (fused activations, aliases, broadcasts, copies, accumulation of a tensor
// read twice, the loss heads), so its tolerance is the f32 finite-difference
// noise: with h = 2e-3 and losses O(1) the f32 loss noise (~1e-7) gives
// ~5e-5 absolute, so rtol 2e-2 against the largest gradient checked plus
// atol 2e-4.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder, type ModelBuilder, type TensorRef } from '../../src/graph/builder.ts';
import { createTrainer, type LossKind } from '../../src/train/index.ts';
import { makeRng } from '../helpers/random.ts';

interface GraphCase {
  name: string;
  input: number[];
  loss: LossKind;
  body(b: ModelBuilder, x: TensorRef): TensorRef;
}

const CASES: GraphCase[] = [
  {
    name: 'dense fused activations, leakyRelu/hardSwish, MSE',
    input: [3, 5],
    loss: 'mse',
    body: (b, x) => b.dense(b.dense(b.dense(x, { units: 6, activation: 'leakyRelu', alpha: 0.1 }), { units: 5, activation: 'hardSwish' }), { units: 2, activation: 'tanh' }),
  },
  {
    name: 'conv1d stride/same + batchNorm + relu6 + maxPool1d + globalAvgPool + softmax CE',
    input: [4, 11, 3],
    loss: 'crossEntropy',
    body: (b, x) => {
      let h = b.conv1d(x, { filters: 6, kernel: 3, stride: 2, padding: 'same' });
      h = b.batchNorm(h, { fold: false });
      h = b.activation(h, 'relu6');
      h = b.op('maxPool1d', [h], { kernel: [2], strides: [1] })[0];
      h = b.op('globalAvgPool', [h])[0];
      return b.softmax(b.dense(h, { units: 3 }));
    },
  },
  {
    name: 'conv2d groups/dilation, depthwise2d, avgPool2d, flatten, sigmoid',
    input: [2, 6, 7, 4],
    loss: 'mse',
    body: (b, x) => {
      let h = b.conv2d(x, { filters: 6, kernel: [2, 3], dilations: [1, 2], groups: 2, padding: 'same', activation: 'sigmoid' });
      h = b.depthwiseConv2d(h, { kernel: [3, 3], multiplier: 2, padding: 'same' });
      h = b.op('avgPool2d', [h], { kernel: [2, 2], padding: 'same', countIncludePad: 1 })[0];
      h = b.op('maxPool2d', [h], { kernel: [2, 2] })[0];
      h = b.op('flatten', [h], { axis: 1 })[0];
      return b.dense(h, { units: 3 });
    },
  },
  {
    name: 'depthwise1d, avgPool1d, add/mul/sub broadcast with parameters, a tensor read twice',
    input: [3, 9, 4],
    loss: 'mse',
    body: (b, x) => {
      const rng = makeRng(3);
      let h = b.depthwiseConv1d(x, { kernel: 3, padding: 'same', activation: 'tanh' });
      const scale = b.constant('scale', [4], rng.floats(4));
      const shift = b.constant('shift', [1, 4], rng.floats(4));
      const m = b.op('mul', [h, scale])[0];
      const s = b.op('sub', [shift, m])[0];
      h = b.op('add', [s, h])[0];
      h = b.op('mul', [h, h])[0];
      h = b.op('avgPool1d', [h], { kernel: [3], strides: [2] })[0];
      return b.op('mean', [h], { axes: [1] })[0];
    },
  },
  {
    name: 'concat, slice, split, transpose, reshape, standalone clip/leakyRelu/hardSwish/sigmoid',
    input: [2, 6, 4],
    loss: 'crossEntropy',
    body: (b, x) => {
      const a = b.dense(x, { units: 5 });
      const c = b.op('clip', [a], { min: -0.3, max: 0.4 })[0];
      const l = b.op('leakyRelu', [a], { alpha: 0.2 })[0];
      const cat = b.op('concat', [c, l, x], { axis: 2 })[0];
      const sl = b.op('slice', [cat], { starts: [1, 2], ends: [6, 13], axes: [1, 2], steps: [2, 1] })[0];
      const [p, q] = b.op('split', [sl], { axis: 2, sizes: [4, 7] });
      const t = b.op('transpose', [b.op('hardSwish', [p])[0]], { perm: [0, 2, 1] })[0];
      const r = b.op('reshape', [t], { shape: [0, -1] })[0];
      const u = b.op('sigmoid', [b.op('reshape', [q], { shape: [0, -1] })[0]])[0];
      return b.dense(b.op('concat', [r, u], { axis: 1 })[0], { units: 3 });
    },
  },
  {
    name: 'gru (both forms, stacked, reverse) + dropout + mean',
    input: [3, 5, 4],
    loss: 'crossEntropy',
    body: (b, x) => {
      let h = b.gru(x, { units: 6, returnSequences: true, linearBeforeReset: false });
      h = b.op('dropout', [h], { rate: 0.25 })[0];
      h = b.gru(h, { units: 5, returnSequences: false, reverse: true, linearBeforeReset: true });
      return b.softmax(b.dense(h, { units: 4 }));
    },
  },
  {
    name: 'lstm + tanh + dense',
    input: [2, 6, 3],
    loss: 'mse',
    body: (b, x) => {
      let h = b.lstm(x, { units: 5, returnSequences: true });
      h = b.op('tanh', [h])[0];
      h = b.op('mean', [h], { axes: [1] })[0];
      return b.dense(h, { units: 2 });
    },
  },
  {
    name: 'fft per interval + conv over bins + relu',
    input: [2, 16, 3],
    loss: 'crossEntropy',
    body: (b, x) => {
      let h = b.op('fft', [x], { intervals: 2, length: 8, normalize: 'ortho' })[0];
      h = b.op('reshape', [h], { shape: [-1, 5, 6] })[0];
      h = b.conv1d(h, { filters: 4, kernel: 3, activation: 'relu' });
      h = b.op('reshape', [h], { shape: [2, -1] })[0];
      return b.dense(h, { units: 3 });
    },
  },
];

for (const c of CASES) {
  test(`autograd: ${c.name}`, () => {
    const b = createBuilder(c.name, { seed: 11 });
    const x = b.input('x', c.input);
    const y = c.body(b, x);
    b.output(y, 'y');
    const model = b.build();
    const batch = c.input[0];
    const rng = makeRng(99);
    const xs = rng.floats(c.input.reduce((a, d) => a * d, 1));
    const outCount = y.shape.reduce((a, d) => a * d, 1);
    const classes = y.shape[y.shape.length - 1];
    const labels = c.loss === 'crossEntropy' ? Int32Array.from({ length: outCount / classes }, () => rng.int(0, classes - 1)) : rng.floats(outCount);
    const trainer = createTrainer(model, { batch, loss: c.loss, optimizer: { kind: 'sgd', lr: 0 }, seed: 5 });
    const { grads } = trainer.computeGradients(xs, labels);
    assert.ok(grads.size > 0);
    const h = 2e-3;
    for (const [name, g] of grads) {
      const base = trainer.tensor(name);
      const picks = [...new Set(Array.from({ length: Math.min(5, g.length) }, () => rng.int(0, g.length - 1)))];
      const fd = picks.map((i) => {
        const v = Float32Array.from(base);
        v[i] = base[i] + h;
        trainer.setTensor(name, v);
        const up = trainer.computeGradients(xs, labels).loss;
        v[i] = base[i] - h;
        trainer.setTensor(name, v);
        const down = trainer.computeGradients(xs, labels).loss;
        trainer.setTensor(name, base);
        return (up - down) / (2 * h);
      });
      const scale = Math.max(1e-3, ...picks.map((i) => Math.abs(g[i])), ...fd.map(Math.abs));
      picks.forEach((i, j) => {
        assert.ok(Math.abs(g[i] - fd[j]) <= 2e-2 * scale + 2e-4, `${c.name}: d loss / d ${name}[${i}] = ${g[i]}, finite difference ${fd[j]}`);
      });
    }
  });
}

test.run();
