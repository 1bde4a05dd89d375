// A whole small sensor model built with the builder (conv1d + batch-norm +
// relu -> max pool -> 2-layer GRU -> dense -> softmax) against the chained
// f64 references, on both builds, from the model and from its .tsm blob.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { writeModel } from '../../src/format/write.ts';
import { makeRng } from '../helpers/random.ts';
import { assertClose } from '../helpers/compare.ts';
import { conv2dRef, refWindow } from '../reference/conv.ts';
import { maxPool2dRef } from '../reference/pool.ts';
import { gruRef } from '../reference/gru.ts';
import { denseRef } from '../reference/dense.ts';
import { softmaxRef } from '../reference/softmax.ts';

const [T, C, F, H1, K] = [40, 6, 12, 10, 5];

function buildModel() {
  const rng = makeRng(11);
  const b = createBuilder('e2e', { seed: 3 });
  const x = b.input('x', [1, T, C]);
  const bn = { gamma: rng.floats(F, 1).map((v) => 1 + 0.5 * v), beta: rng.floats(F, 0.3), mean: rng.floats(F, 0.2), variance: rng.floats(F, 0.5).map((v) => 1 + v) };
  let h = b.conv1d(x, { filters: F, kernel: 5, stride: 2, padding: 'same', biasInitializer: 'glorotUniform' });
  h = b.batchNorm(h, bn);
  h = b.relu(h);
  h = b.op('maxPool1d', [h], { kernel: [2], strides: [2] })[0];
  h = b.gru(h, { units: H1, layers: 2, linearBeforeReset: true });
  h = b.dense(h, { units: K, biasInitializer: 'glorotUniform' });
  b.output(b.softmax(h), 'probs');
  return { model: b.build({ labels: ['a', 'b', 'c', 'd', 'e'] }), bn };
}

test('builder folds batch-norm and fuses relu into the conv', () => {
  const { model } = buildModel();
  assert.equal(model.ops.map((o) => o.type), ['conv1d', 'maxPool1d', 'gru', 'gru', 'dense', 'softmax']);
  assert.is(model.ops[0].attrs.activation, 'relu');
});

test('conv -> GRU x2 -> dense -> softmax matches the chained references', () => {
  const { model } = buildModel();
  const data = (name: string) => model.tensors.find((t) => t.name === name)!.data as Float32Array;
  const x = makeRng(12).floats(T * C, 2);

  // conv1d as a 1-row conv2d; the folded weights are what the model holds
  const win = refWindow(T, 5, 2, 1, 'same');
  const conv = conv2dRef(x, data('conv1d.weight'), data('conv1d.bias'), {
    n: 1, h: 1, w: T, c: C, oh: 1, ow: win.out, kh: 1, kw: 5, sh: 1, sw: 2, dh: 1, dw: 1, padTop: 0, padLeft: win.padBegin,
  }, F, 1, { kind: 'relu' });
  const L = Math.floor(win.out / 2);
  const pooled = maxPool2dRef(conv, { n: 1, h: 1, w: win.out, c: F, kh: 1, kw: 2, sh: 1, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 });
  assert.is(pooled.ow, L);
  let seq: ArrayLike<number> = pooled.y;
  let inSize = F;
  for (const layer of ['gru0', 'gru1']) {
    const r = gruRef({ n: 1, t: L, inSize, hidden: H1, x: seq, w: data(`${layer}.W`), r: data(`${layer}.R`), bW: data(`${layer}.bW`), bR: data(`${layer}.bR`), h0: null, reverse: false, linearBeforeReset: true });
    seq = layer === 'gru0' ? r.sequence : r.last;
    inSize = H1;
  }
  const logits = denseRef(seq, data('dense.weight'), data('dense.bias'), 1, K, H1);
  const want = softmaxRef(logits, 1, K, 1);
  for (const build of ['simd', 'scalar'] as const) {
    for (const source of [model, writeModel(model)]) {
      const got = loadModel(source, { build }).run({ x }).probs;
      assert.equal(got.shape, [1, K]);
      assertClose(got.data, want, { rtol: 1e-5, atol: 1e-6, label: 'e2e probs', build });
    }
  }
});

test('the folded conv equals conv followed by the batch-norm formula', () => {
  // Independent of the fold: apply BN by its definition to an unfolded model's conv output.
  const rng = makeRng(13);
  const b = createBuilder('bn', { seed: 5 });
  const x = b.input('x', [1, 16, 3]);
  const c = b.conv1d(x, { filters: 4, kernel: 3, biasInitializer: 'glorotUniform' });
  b.output(c, 'y');
  const plain = b.build();
  const w = plain.tensors[1].data as Float32Array;
  const bias = plain.tensors[2].data as Float32Array;
  const bn = { gamma: rng.floats(4, 1), beta: rng.floats(4, 1), mean: rng.floats(4, 1), variance: rng.floats(4, 1).map((v) => 1.5 + v), epsilon: 1e-3 };
  const b2 = createBuilder('bn2', { seed: 5 });
  const x2 = b2.input('x', [1, 16, 3]);
  const c2 = b2.conv1d(x2, { filters: 4, kernel: 3, kernelInitializer: w, biasInitializer: bias });
  b2.output(b2.batchNorm(c2, bn), 'y');
  const folded = b2.build();
  assert.is(folded.ops.length, 1);
  const input = rng.floats(48);
  const y = loadModel(plain).run({ x: input }).y.data;
  const yf = loadModel(folded).run({ x: input }).y.data;
  const want = Array.from(y, (v, i) => {
    const o = i % 4;
    return (bn.gamma[o] * (v - bn.mean[o])) / Math.sqrt(bn.variance[o] + bn.epsilon) + bn.beta[o];
  });
  assertClose(yf, want, { rtol: 1e-5, atol: 1e-6, label: 'folded batch-norm' });
});

test.run();
