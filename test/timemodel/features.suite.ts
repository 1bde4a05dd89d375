// Feature extraction on hand-checked ops: every value below is worked out
// from the op's shapes and attributes by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBuilder } from '../../src/graph/builder.ts';
import type { Model } from '../../src/graph/model.ts';
import { validateModel } from '../../src/graph/validate.ts';
import { compilePlan } from '../../src/schedule/compile.ts';
import type { WasmBuild } from '../../src/runtime/wasm.ts';
import { CLASS_FEATURES, ELEMENTWISE_KINDS, OP_CLASSES, opFeatures, planRecords, type OpFeatures } from '../../src/timemodel/features.ts';

function featuresOf(model: Model, build: WasmBuild = 'simd'): (OpFeatures & { named: Record<string, number> })[] {
  const shapes = validateModel(model);
  const plan = compilePlan(model, shapes, 0);
  return model.ops.map((op, i) => {
    const f = opFeatures(op, shapes.ops[i], plan.ops[i].macs, plan.ops[i].weightBytes, planRecords(plan, i), build);
    const named: Record<string, number> = {};
    if (f.kind !== 'free') CLASS_FEATURES[f.kind].features.forEach((n, j) => (named[n] = f.values[j]));
    return { ...f, named };
  });
}

test('every class lists its regressors among its features', () => {
  for (const cls of OP_CLASSES) {
    const spec = CLASS_FEATURES[cls];
    for (const r of spec.regressors) assert.ok(spec.features.includes(r), `${cls}: ${r}`);
    assert.is(new Set(spec.features).size, spec.features.length, `${cls}: duplicate feature`);
  }
});

test('dense [3, 10] x [10, 13] with tanh', () => {
  const b = createBuilder('d');
  b.output(b.dense(b.input('x', [3, 10]), { units: 13, activation: 'tanh' }));
  const [f] = featuresOf(b.build());
  assert.is(f.kind, 'dense');
  assert.is(f.named.MACs, 3 * 10 * 13);
  assert.is(f.named['padded MACs'], 3 * 10 * 16);
  assert.is(f.named.outputs, 39);
  assert.is(f.named.rows, 3);
  assert.is(f.named.k, 10);
  assert.is(f.named.n, 13);
  assert.is(f.named['k % 4'], 2);
  assert.is(f.named['n % 8'], 5);
  // SIMD: the 3 rows run as one 4-row tile (one row aliased) over 2 panels, k = 10 steps each.
  assert.is(f.named['tile steps'], 1 * 2 * 10);
  assert.is(f.named['row steps'], 0);
  assert.is(f.named.tiles, 2);
  // Scalar: every row and panel is k scalar steps.
  const [g] = featuresOf(b.build(), 'scalar');
  assert.is(g.named['tile steps'], 0);
  assert.is(g.named['row steps'], 3 * 2 * 10);
  assert.is(g.named.tiles, 6);
  assert.is(f.named['activation cost'], 2);
  // tanh per row of 13: 3 vectors and the last value as a fourth, zero-padded vector (SIMD);
  // the scalar build: 3 four-value passes and 1 libm call per row.
  assert.is(f.named['activation rows'], 3);
  assert.is(f.named['transcendental vectors'], 12);
  assert.is(f.named['transcendental tail'], 0);
  assert.is(g.named['transcendental vectors'], 9);
  assert.is(g.named['transcendental tail'], 3);
  assert.is(f.named['cheap activation elements'], 0);
  // Packed panels: 2 panels of 8 columns x (10 rows + 1 bias row) x 4 bytes.
  assert.is(f.named['weight bytes'], 2 * 8 * 11 * 4);
});

test('conv1d: 3 taps, 6 -> 10 channels, stride 2, same padding', () => {
  const b = createBuilder('c');
  b.output(b.conv1d(b.input('x', [1, 20, 6]), { filters: 10, kernel: 3, stride: 2, padding: 'same' }));
  const [f] = featuresOf(b.build());
  assert.is(f.kind, 'conv1d');
  assert.is(f.named['output pixels'], 10);
  assert.is(f.named.MACs, 10 * 10 * 3 * 6);
  assert.is(f.named['padded MACs'], 10 * 18 * 16);
  assert.is(f.named['patch length'], 18);
  assert.is(f.named['patch length % 4'], 2);
  assert.is(f.named.channels, 6);
  assert.is(f.named['channels % 4'], 2);
  assert.is(f.named.filters, 10);
  assert.is(f.named['filters % 8'], 2);
  assert.is(f.named.taps, 3);
  assert.is(f.named.stride, 2);
  assert.is(f.named.pointwise, 0);
  // SIMD reads the patches in place: output columns 0..8 have their window
  // inside the input, one GEMM of 9 rows (3 tiles of 4, the last aliased) x 2
  // panels x 18 steps; column 9 crosses the padded edge: one copied patch
  // (1 move, 18 floats) and a one-row GEMV over the panel pair.
  assert.is(f.named['tile steps'], 3 * 2 * 18);
  assert.is(f.named['row steps'], 18);
  assert.is(f.named.tiles, 3 * 2 + 1);
  assert.is(f.named['patch runs'], 1);
  assert.is(f.named['patch bytes'], 18 * 4);
  // Scalar: im2col of all 10 patches (one move each), then 10 rows x 2 panels x 18 scalar steps.
  const [g] = featuresOf(b.build(), 'scalar');
  assert.is(g.named['patch runs'], 10);
  assert.is(g.named['patch bytes'], 10 * 18 * 4);
  assert.is(g.named['row steps'], 10 * 2 * 18);
  assert.is(g.named.tiles, 20);
});

test('a 1x1 stride-1 conv2d is pointwise: no patch copy', () => {
  const b = createBuilder('p');
  b.output(b.conv2d(b.input('x', [1, 5, 7, 8]), { filters: 4, kernel: [1, 1] }));
  const [f] = featuresOf(b.build());
  assert.is(f.kind, 'conv2d');
  assert.is(f.named.pointwise, 1);
  assert.is(f.named['patch bytes'], 0);
  assert.is(f.named['output pixels'], 35);
  assert.is(f.named.MACs, 35 * 8 * 4);
});

test('depthwise 2-D, multiplier 2, and pooling', () => {
  const b = createBuilder('dw');
  const y = b.depthwiseConv2d(b.input('x', [1, 6, 6, 5]), { kernel: [3, 3], multiplier: 2, padding: 'same' });
  b.output(b.op('maxPool2d', [y], { kernel: [2, 2], strides: [2, 2] })[0]);
  const [dw, pool] = featuresOf(b.build());
  assert.is(dw.kind, 'depthwise');
  assert.is(dw.named.channels, 10);
  assert.is(dw.named['channels % 4'], 2);
  assert.is(dw.named['channels % 16'], 10);
  assert.is(dw.named.taps, 9);
  assert.is(dw.named['output pixels'], 36);
  assert.is(dw.named['row length'], 6);
  assert.is(dw.named.multiplier, 2);
  assert.is(pool.kind, 'pool');
  assert.is(pool.named.outputs, 3 * 3 * 10);
  assert.is(pool.named.window, 4);
  assert.is(pool.named.stride, 2);
  assert.is(pool.named.kind, 0);
});

test('depthwise: the kernel paths replayed (quad, pixel blocks, clipping, 3x3)', () => {
  // 1-D, 20 channels, kernel 3, same padding over 10 columns: column 0 and 9
  // are clipped to 2 taps; columns 1..8 are interior, two quads of 4.
  const b = createBuilder('dq');
  b.output(b.depthwiseConv1d(b.input('x', [1, 10, 20]), { kernel: 3, padding: 'same' }));
  const [f] = featuresOf(b.build());
  // Quads: 2 calls x 3 taps x 5 blocks of 4 channels. Pixels: 2 calls x 2 taps
  // x (1 block of 16 + 1 block of 4).
  assert.is(f.named['wide taps'], 2 * 3 * 5 + 2 * 2 * 1);
  assert.is(f.named['vector taps'], 2 * 2 * 1);
  assert.is(f.named['scalar taps'], 0);
  assert.is(f.named['pixel calls'], 4);
  assert.is(f.named['clipped pixels'], 2);
  assert.is(f.named['3x3 path'], 0);
  // Scalar build: every pixel one at a time, 5 passes of 4 channels.
  const [g] = featuresOf(b.build(), 'scalar');
  assert.is(g.named['vector taps'], (8 * 3 + 2 * 2) * 5);
  assert.is(g.named['pixel calls'], 10);

  // 3x3, 8 channels, 24 x 24, stride 2, same (pad 0 before, 1 after): 11
  // interior columns (>= 8), the 3x3 path.
  const c = createBuilder('d3');
  c.output(c.depthwiseConv2d(c.input('x', [1, 24, 24, 8]), { kernel: [3, 3], strides: [2, 2], padding: 'same' }));
  const [h] = featuresOf(c.build());
  assert.is(h.named['3x3 path'], 1);
  assert.is(h.named['strips'], 0);
  assert.is(h.named['3x3 row blocks'], 12 * 2);
  // Per row and block: 11 interior pixels x 9, the last pixel with 2 columns inside x 3.
  assert.is(h.named['3x3 taps'], 12 * 2 * (11 * 9 + 2 * 3));
  assert.is(h.named['pixel calls'], 12 * 2 * 1);
  // Stride 2 on 8 x 8 gives 3 interior columns: the generic path.
  const d = createBuilder('d8');
  d.output(d.depthwiseConv2d(d.input('x', [1, 8, 8, 8]), { kernel: [3, 3], strides: [2, 2], padding: 'same' }));
  assert.is(featuresOf(d.build())[0].named['3x3 path'], 0);
  assert.is(featuresOf(d.build())[0].named['strips'], 0);
});

test('depthwise: the strip path replayed (along rows or down columns)', () => {
  // 12 x 12 x 8, same: as many outputs either way, so along rows: 3 strips a
  // row, rows 0 and 11 run 2 kernel rows, the others 3; 2 channel blocks.
  const a = createBuilder('s12');
  a.output(a.depthwiseConv2d(a.input('x', [1, 12, 12, 8]), { kernel: [3, 3], padding: 'same' }));
  const [f] = featuresOf(a.build());
  assert.is(f.named['strips'], 12 * 3 * 2);
  assert.is(f.named['strip lines'], (2 + 10 * 3 + 2) * 3 * 2);
  assert.is(f.named['3x3 path'], 0);
  assert.is(f.named['wide taps'], 0);
  // DS-CNN's 25 x 5 x 64: down the columns (7 strips of 28 outputs, against 2
  // strips of 8 along each of 25 rows); columns 0 and 4 run 2 kernel columns.
  const b = createBuilder('s25');
  b.output(b.depthwiseConv2d(b.input('x', [1, 25, 5, 64]), { kernel: [3, 3], padding: 'same' }));
  const [g] = featuresOf(b.build());
  assert.is(g.named['strips'], 5 * 7 * 16);
  assert.is(g.named['strip lines'], (2 + 3 * 3 + 2) * 7 * 16);
  // The scalar build has no strip path.
  assert.is(featuresOf(b.build(), 'scalar')[0].named['strips'], 0);
});

test('element-wise rows as the kernels walk them', () => {
  const b = createBuilder('ew');
  const x = b.input('x', [1, 5, 6]);
  const a = b.op('add', [x, b.constant('bias', [6], new Float32Array(6))])[0];
  const s = b.op('add', [a, b.input('x2', [1, 5, 6])])[0];
  b.output(b.op('tanh', [s])[0]);
  const [bias, same, tanh] = featuresOf(b.build());
  // Broadcast bias: 5 rows of 6 (one vector, 2 scalars each).
  assert.is(bias.named['row calls'], 5);
  assert.is(bias.named.vectors, 5);
  assert.is(bias.named['scalar elements'], 10);
  // Same shapes merge into one row of 30; an activation is one call.
  assert.is(same.named['row calls'], 1);
  assert.is(same.named.vectors, 7);
  assert.is(same.named['scalar elements'], 2);
  assert.is(tanh.named['row calls'], 1);
  assert.is(featuresOf(b.build(), 'scalar')[2].named['scalar elements'], 30);
});

test('gru and lstm: input and recurrent MACs per step', () => {
  const b = createBuilder('r');
  const g = b.gru(b.input('x', [2, 7, 5]), { units: 6, returnSequences: true });
  b.output(b.lstm(g, { units: 3 }));
  const [gru, lstm] = featuresOf(b.build());
  assert.is(gru.kind, 'gru');
  assert.is(gru.named['input MACs'], 2 * 7 * 5 * 3 * 6);
  assert.is(gru.named['recurrent MACs'], 2 * 7 * 6 * 3 * 6);
  assert.is(gru.named['steps x hidden'], 2 * 7 * 6);
  assert.is(gru.named.steps, 7);
  assert.is(gru.named['hidden % 4'], 2);
  assert.is(gru.named['gates % 8'], 18 % 8);
  assert.is(lstm.kind, 'lstm');
  assert.is(lstm.named['input MACs'], 2 * 7 * 6 * 4 * 3);
  assert.is(lstm.named['recurrent MACs'], 2 * 7 * 3 * 4 * 3);
  assert.is(lstm.named['gates % 8'], 12 % 8);
});

test('element-wise kinds, softmax, and free ops', () => {
  const b = createBuilder('e');
  const x = b.input('x', [1, 4, 6]);
  const s = b.op('sigmoid', [x])[0];
  const r = b.op('relu', [s])[0];
  const a = b.op('add', [r, b.constant('bias', [6], new Float32Array(6))])[0];
  const flat = b.op('reshape', [a], { shape: [1, 24] })[0];
  b.output(b.softmax(flat));
  const [sig, relu, add, reshape, soft] = featuresOf(b.build());
  assert.is(sig.named.kind, ELEMENTWISE_KINDS.sigmoid);
  assert.is(sig.named.elements, 24);
  assert.is(relu.named.kind, ELEMENTWISE_KINDS.cheap);
  assert.is(add.named.kind, ELEMENTWISE_KINDS.broadcast);
  assert.is(add.named['row length'], 6);
  assert.is(add.named.rows, 4);
  assert.is(reshape.kind, 'free');
  assert.is(soft.kind, 'softmax');
  assert.is(soft.named.length, 24);
  assert.is(soft.named.vectors, 1);
  assert.is(soft.named['length % 4'], 0);
});

test.run();
