// Op-level: one small ONNX model per case (built here with protobufjs), run
// by onnxruntime-node (the reference) and by tinysense on both wasm builds,
// over the attribute combinations each op has: pads, strides, dilations,
// groups, auto_pad, ceil_mode, count_include_pad, directions,
// linear_before_reset, layout, initial states, negative axes, and opsets
// 11 to 18 where an op's inputs or defaults changed between them.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { importOnnx } from '../../src/importers/onnx/index.ts';
import { assertClose } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';
import { BUILDS, encodeModel, f, runOrt, runTinysense, type AttrSpec, type Feeds, type ModelSpec, type TensorSpec } from './onnx-build.ts';

const INT64_MAX = 9223372036854775807n;

interface Case {
  name: string;
  spec: ModelSpec;
  /** Relative tolerance against max |reference| (default 1e-5: short f32 reductions). */
  rtol?: number;
  /** IR op types the import must (not) contain, to check the mapping took the intended path. */
  expectOps?: string[];
  forbidOps?: string[];
  /** A reference other than running `spec` itself in onnxruntime (which lacks e.g. RNN layout 1). */
  reference?: (feeds: Feeds) => Promise<{ name: string; dims: number[]; data: Float32Array }[]>;
}

/** Row-major transpose of a small dense array (test-side, for reference layouts). */
function transposeArray(data: Float32Array, dims: number[], perm: number[]): { dims: number[]; data: Float32Array } {
  const out = new Float32Array(data.length);
  const outDims = perm.map((p) => dims[p]);
  const strides = dims.map((_, i) => dims.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array(dims.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    out[o] = data[perm.reduce((s, p, k) => s + idx[k] * strides[p], 0)];
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++idx[d] < outDims[d]) break;
      idx[d] = 0;
    }
  }
  return { dims: outDims, data: out };
}

let seed = 1;
const rand = (dims: number[], scale = 1): TensorSpec => ({ dims, data: makeRng(seed++).floats(dims.reduce((a, b) => a * b, 1), scale) });
const ints = (data: number[]): TensorSpec => ({ dims: [data.length], data, type: 'int64' });

/** A one-node model: `x` (and more graph inputs) -> op -> outputs, with constant inputs as initializers. */
function one(
  op: string, inputs: Record<string, number[] | TensorSpec | ''>, attrs: Record<string, AttrSpec> = {},
  o: { opset?: number; outputs?: string[] } = {},
): ModelSpec {
  const spec: ModelSpec = { opset: o.opset ?? 13, inputs: [], outputs: o.outputs ?? ['y'], nodes: [], initializers: {} };
  const names: string[] = [];
  for (const [name, v] of Object.entries(inputs)) {
    if (v === '') names.push('');
    else if (Array.isArray(v)) {
      spec.inputs.push({ name, dims: v });
      names.push(name);
    } else {
      spec.initializers![name] = v;
      names.push(name);
    }
  }
  spec.nodes.push({ op, inputs: names, outputs: spec.outputs, attrs });
  return spec;
}

/** Conv (channels-last in the IR) then `op`: checks that op's mapping on a transposed layout. */
function afterConv(op: string, extra: Record<string, number[] | TensorSpec> = {}, attrs: Record<string, AttrSpec> = {}, opset = 13, outDims = 1): ModelSpec {
  return {
    opset,
    inputs: [{ name: 'x', dims: [2, 3, 5, 6] }],
    outputs: Array.from({ length: outDims }, (_, i) => `y${i}`),
    initializers: { w: rand([4, 3, 1, 1]), b: rand([4]), ...Object.fromEntries(Object.entries(extra).filter(([, v]) => !Array.isArray(v))) as Record<string, TensorSpec> },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'] },
      { op, inputs: ['c', ...Object.keys(extra)], outputs: Array.from({ length: outDims }, (_, i) => `y${i}`), attrs },
    ],
  };
}

const CASES: Case[] = [
  // ---------------------------------------------------------------- Conv
  { name: 'Conv 2-D pads strides dilations', spec: one('Conv', { x: [1, 3, 9, 8], w: rand([4, 3, 3, 3]), b: rand([4]) }, { pads: [1, 0, 2, 1], strides: [2, 1], dilations: [1, 2] }), expectOps: ['conv2d'] },
  { name: 'Conv 2-D groups 2, batch 2, no bias', spec: one('Conv', { x: [2, 4, 7, 7], w: rand([6, 2, 3, 2]) }, { group: 2, strides: [1, 2] }), expectOps: ['conv2d'] },
  { name: 'Conv depthwise multiplier 2', spec: one('Conv', { x: [1, 5, 8, 8], w: rand([10, 1, 3, 3]), b: rand([5 * 2]) }, { group: 5, pads: [1, 1, 1, 1] }), expectOps: ['depthwiseConv2d'] },
  { name: 'Conv auto_pad SAME_UPPER stride 2', spec: one('Conv', { x: [1, 2, 7, 6], w: rand([3, 2, 3, 4]) }, { auto_pad: 'SAME_UPPER', strides: [2, 2] }) },
  { name: 'Conv auto_pad SAME_LOWER', spec: one('Conv', { x: [1, 2, 7, 6], w: rand([3, 2, 2, 4]) }, { auto_pad: 'SAME_LOWER', kernel_shape: [2, 4] }) },
  { name: 'Conv auto_pad VALID', spec: one('Conv', { x: [1, 2, 7, 6], w: rand([3, 2, 3, 3]), b: rand([3]) }, { auto_pad: 'VALID', strides: [2, 1] }) },
  { name: 'Conv 1-D pads strides dilations', spec: one('Conv', { x: [2, 3, 17], w: rand([5, 3, 4]), b: rand([5]) }, { pads: [2, 1], strides: [3], dilations: [2] }), expectOps: ['conv1d'] },
  { name: 'Conv 1-D depthwise', spec: one('Conv', { x: [1, 3, 12], w: rand([3, 1, 5]) }, { group: 3, pads: [2, 2] }), expectOps: ['depthwiseConv1d'] },
  { name: 'Conv 1-D groups 3 opset 11', spec: one('Conv', { x: [1, 6, 10], w: rand([9, 2, 3]), b: rand([9]) }, { group: 3 }, { opset: 11 }) },
  // ---------------------------------------------------------------- pooling
  { name: 'MaxPool 2-D pads strides', spec: one('MaxPool', { x: [1, 3, 9, 8] }, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }), expectOps: ['maxPool2d'] },
  { name: 'MaxPool 2-D ceil_mode', spec: one('MaxPool', { x: [1, 2, 8, 7] }, { kernel_shape: [3, 2], strides: [2, 2], ceil_mode: 1 }) },
  { name: 'MaxPool 1-D auto_pad SAME_UPPER', spec: one('MaxPool', { x: [2, 3, 11] }, { kernel_shape: [4], strides: [3], auto_pad: 'SAME_UPPER' }), expectOps: ['maxPool1d'] },
  { name: 'AveragePool count_include_pad 0', spec: one('AveragePool', { x: [1, 3, 7, 7] }, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: 'AveragePool count_include_pad 1', spec: one('AveragePool', { x: [1, 3, 7, 7] }, { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 0, 1, 2], count_include_pad: 1 }) },
  { name: 'AveragePool ceil_mode opset 11', spec: one('AveragePool', { x: [1, 2, 8, 8] }, { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, { opset: 11 }) },
  { name: 'AveragePool 1-D', spec: one('AveragePool', { x: [1, 4, 10] }, { kernel_shape: [3], strides: [1], pads: [1, 1] }), expectOps: ['avgPool1d'] },
  { name: 'GlobalAveragePool 2-D', spec: one('GlobalAveragePool', { x: [2, 3, 5, 4] }) },
  { name: 'GlobalAveragePool 1-D', spec: one('GlobalAveragePool', { x: [1, 6, 9] }) },
  // ---------------------------------------------------------------- Gemm / MatMul
  { name: 'Gemm transB bias [N]', spec: one('Gemm', { x: [3, 5], w: rand([4, 5]), c: rand([4]) }, { transB: 1 }), expectOps: ['dense'] },
  { name: 'Gemm transA alpha beta bias [1,N]', spec: one('Gemm', { x: [5, 3], w: rand([5, 4]), c: rand([1, 4]) }, { transA: 1, alpha: f(0.5), beta: f(2) }) },
  { name: 'Gemm scalar C', spec: one('Gemm', { x: [2, 5], w: rand([5, 3]), c: rand([1]) }, { beta: f(-1) }) },
  { name: 'Gemm full [M,N] C', spec: one('Gemm', { x: [2, 5], w: rand([5, 3]), c: rand([2, 3]) }) },
  { name: 'Gemm no C', spec: one('Gemm', { x: [2, 5], w: rand([3, 5]) }, { transB: 1 }) },
  { name: 'MatMul 3-D x 2-D', spec: one('MatMul', { x: [2, 3, 5], w: rand([5, 4]) }), expectOps: ['dense'] },
  { name: 'MatMul vector x matrix', spec: one('MatMul', { x: [5], w: rand([5, 4]) }) },
  { name: 'MatMul matrix x vector', spec: one('MatMul', { x: [3, 5], w: rand([5]) }) },
  {
    name: 'MatMul + Add folds into dense bias',
    spec: { inputs: [{ name: 'x', dims: [2, 6] }], outputs: ['y'], initializers: { w: rand([6, 3]), b: rand([3]) }, nodes: [
      { op: 'MatMul', inputs: ['x', 'w'], outputs: ['m'] }, { op: 'Add', inputs: ['m', 'b'], outputs: ['a'] }, { op: 'Relu', inputs: ['a'], outputs: ['y'] }] },
    expectOps: ['dense'], forbidOps: ['add', 'relu'],
  },
  // ---------------------------------------------------------------- element-wise
  { name: 'Add broadcast [4]', spec: one('Add', { x: [2, 3, 4], c: rand([4]) }) },
  { name: 'Sub broadcast [3,1], constant first', spec: one('Sub', { c: rand([3, 1]), x: [2, 3, 4] }) },
  { name: 'Mul two runtime inputs', spec: one('Mul', { x: [2, 3, 4], z: [2, 3, 4] }) },
  { name: 'Div runtime by broadcast runtime', spec: one('Div', { x: [2, 3, 4], z: [3, 1] }) },
  { name: 'Max / Min', spec: { inputs: [{ name: 'x', dims: [3, 4] }], outputs: ['y'], initializers: { c: rand([4]), d: rand([3, 1]) }, nodes: [
    { op: 'Max', inputs: ['x', 'c'], outputs: ['m'] }, { op: 'Min', inputs: ['m', 'd'], outputs: ['y'] }] } },
  { name: 'Add per-channel [C,1,1] after Conv (channels-last)', spec: afterConv('Add', { k: rand([4, 1, 1]) }), forbidOps: ['add'] },
  { name: 'Mul [1,1,W] after Conv (broadcast on a spatial axis)', spec: afterConv('Mul', { k: rand([1, 1, 6]) }) },
  // ---------------------------------------------------------------- activations
  { name: 'Relu', spec: one('Relu', { x: [2, 7] }) },
  { name: 'Clip min/max inputs (opset 11)', spec: one('Clip', { x: [2, 7], lo: { dims: [], data: [-0.3] }, hi: { dims: [], data: [0.4] } }, {}, { opset: 11 }) },
  { name: 'Clip min only', spec: one('Clip', { x: [2, 7], lo: { dims: [], data: [0.1] } }) },
  { name: 'Clip 0..6 after Conv fuses', spec: afterConv('Clip', { lo: { dims: [], data: [0] }, hi: { dims: [], data: [6] } }), forbidOps: ['clip', 'relu6'] },
  { name: 'LeakyRelu alpha', spec: one('LeakyRelu', { x: [3, 5] }, { alpha: f(0.2) }) },
  { name: 'Sigmoid', spec: one('Sigmoid', { x: [3, 5] }) },
  { name: 'Tanh', spec: one('Tanh', { x: [3, 5] }) },
  { name: 'HardSwish (opset 14)', spec: one('HardSwish', { x: [3, 9] }, {}, { opset: 14 }) },
  { name: 'HardSigmoid alpha beta', spec: one('HardSigmoid', { x: [3, 9] }, { alpha: f(0.3), beta: f(0.4) }) },
  { name: 'Softmax axis -1', spec: one('Softmax', { x: [2, 3, 4] }) },
  { name: 'Softmax axis 1 (opset 13: one axis)', spec: one('Softmax', { x: [2, 3, 4] }, { axis: 1 }) },
  { name: 'Softmax axis 1 (opset 11: flattened to 2-D)', spec: one('Softmax', { x: [2, 3, 4] }, { axis: 1 }, { opset: 11 }) },
  { name: 'LogSoftmax axis 0', spec: one('LogSoftmax', { x: [3, 4] }, { axis: 0 }) },
  { name: 'Softmax over channels after Conv', spec: afterConv('Softmax', {}, { axis: 1 }) },
  // ---------------------------------------------------------------- normalisation and reduction
  { name: 'BatchNormalization standalone', spec: one('BatchNormalization', { x: [2, 3, 4, 5], s: rand([3]), b: rand([3]), m: rand([3]), v: { dims: [3], data: [0.5, 1, 2] } }, { epsilon: f(1e-3) }) },
  { name: 'BatchNormalization after Conv folds', spec: afterConv('BatchNormalization', { s: rand([4]), bb: rand([4]), m: rand([4]), v: { dims: [4], data: [0.5, 1, 2, 0.7] } }), forbidOps: ['mul', 'add'] },
  { name: 'ReduceMean axes [1] keepdims 0', spec: one('ReduceMean', { x: [2, 3, 4] }, { axes: [1], keepdims: 0 }) },
  { name: 'ReduceMean axes [-2,-1] after Conv', spec: afterConv('ReduceMean', {}, { axes: [-2, -1] }) },
  { name: 'ReduceMean axes input (opset 18)', spec: one('ReduceMean', { x: [2, 3, 4], a: ints([2]) }, { keepdims: 0 }, { opset: 18 }) },
  // ---------------------------------------------------------------- shapes
  { name: 'Flatten axis 1 after Conv (back to NCHW order)', spec: afterConv('Flatten') },
  { name: 'Flatten axis -1 after Conv', spec: afterConv('Flatten', {}, { axis: -1 }) },
  {
    name: 'Conv -> Flatten -> Gemm permutes the dense weights instead of transposing',
    spec: { inputs: [{ name: 'x', dims: [2, 1, 5, 6] }], outputs: ['y'], initializers: { w: rand([4, 1, 3, 3]), g: rand([7, 4 * 3 * 4]), gb: rand([7]) }, nodes: [
      { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'] }, { op: 'Flatten', inputs: ['c'], outputs: ['f'] }, { op: 'Gemm', inputs: ['f', 'g', 'gb'], outputs: ['y'], attrs: { transB: 1 } }] },
    forbidOps: ['transpose'],
  },
  { name: 'Flatten axis 0', spec: one('Flatten', { x: [2, 3, 4] }, { axis: 0 }) },
  { name: 'Flatten axis = rank', spec: one('Flatten', { x: [2, 3, 4] }, { axis: 3 }) },
  { name: 'Reshape 0 and -1 after Conv', spec: afterConv('Reshape', { s: ints([0, -1, 6]) }) },
  { name: 'Transpose NCHW->NHWC then Reshape', spec: { inputs: [{ name: 'x', dims: [1, 3, 4, 5] }], outputs: ['y'], initializers: { s: ints([1, 20, 3]) }, nodes: [
    { op: 'Transpose', inputs: ['x'], outputs: ['t'], attrs: { perm: [0, 2, 3, 1] } }, { op: 'Reshape', inputs: ['t', 's'], outputs: ['y'] }] } },
  { name: 'Transpose default perm', spec: one('Transpose', { x: [2, 3, 4] }) },
  { name: 'Squeeze/Unsqueeze axes attribute (opset 11)', spec: { opset: 11, inputs: [{ name: 'x', dims: [2, 1, 3] }], outputs: ['y'], nodes: [
    { op: 'Squeeze', inputs: ['x'], outputs: ['s'], attrs: { axes: [1] } }, { op: 'Unsqueeze', inputs: ['s'], outputs: ['u'], attrs: { axes: [0, -1] } }, { op: 'Relu', inputs: ['u'], outputs: ['y'] }] } },
  { name: 'Squeeze/Unsqueeze axes input (opset 13)', spec: { inputs: [{ name: 'x', dims: [2, 1, 3] }], outputs: ['y'], initializers: { a: ints([-2]), b: ints([2]) }, nodes: [
    { op: 'Squeeze', inputs: ['x', 'a'], outputs: ['s'] }, { op: 'Unsqueeze', inputs: ['s', 'b'], outputs: ['u'] }, { op: 'Sigmoid', inputs: ['u'], outputs: ['y'] }] } },
  { name: 'Concat axis 1 with a constant', spec: one('Concat', { x: [2, 3, 4], c: rand([2, 2, 4]), z: [2, 1, 4] }, { axis: 1 }) },
  { name: 'Concat channels of Conv outputs', spec: afterConv('Concat', { k: rand([2, 2, 5, 6]) }, { axis: -3 }) },
  { name: 'Split attribute (opset 11)', spec: one('Split', { x: [2, 7] }, { axis: 1, split: [3, 4] }, { opset: 11, outputs: ['y0', 'y1'] }) },
  { name: 'Split input (opset 13), negative axis', spec: one('Split', { x: [6, 4], s: ints([1, 2, 3]) }, { axis: -2 }, { outputs: ['y0', 'y1', 'y2'] }) },
  { name: 'Split num_outputs uneven (opset 18)', spec: one('Split', { x: [2, 7] }, { axis: 1, num_outputs: 3 }, { opset: 18, outputs: ['y0', 'y1', 'y2'] }) },
  { name: 'Split channels after Conv', spec: afterConv('Split', {}, { axis: 1 }, 13, 2) },
  { name: 'Slice negative steps and INT64 bounds', spec: one('Slice', { x: [3, 8], st: ints([-1, 6]), en: { dims: [2], data: [-Number(INT64_MAX), 1], type: 'int64' }, ax: ints([1, 0]), sp: ints([-2, -1]) }) },
  { name: 'Slice channels after Conv', spec: afterConv('Slice', { st: ints([1]), en: ints([3]), ax: ints([1]) }) },
  { name: 'Gather scalar index', spec: one('Gather', { x: [2, 5, 3], i: { dims: [], data: [-2], type: 'int64' } }, { axis: 1 }) },
  { name: 'Gather progression', spec: one('Gather', { x: [2, 5, 3], i: ints([4, 2, 0]) }, { axis: 1 }) },
  { name: 'Gather arbitrary indices, 2-D', spec: one('Gather', { x: [5, 3], i: { dims: [2, 2], data: [3, 0, 0, 4], type: 'int64' } }) },
  { name: 'Dropout ratio input (opset 13)', spec: one('Dropout', { x: [2, 3], r: { dims: [], data: [0.3] } }) },
  { name: 'Identity and Dropout ratio attribute (opset 11)', spec: { opset: 11, inputs: [{ name: 'x', dims: [2, 3] }], outputs: ['y'], nodes: [
    { op: 'Identity', inputs: ['x'], outputs: ['i'] }, { op: 'Dropout', inputs: ['i'], outputs: ['d'], attrs: { ratio: f(0.5) } }, { op: 'Tanh', inputs: ['d'], outputs: ['y'] }] } },
  { name: 'Constant + Shape subgraph drives a Reshape', spec: { inputs: [{ name: 'x', dims: [2, 3, 4] }], outputs: ['y'], initializers: { zero: ints([0]), last: ints([-1]) }, nodes: [
    { op: 'Shape', inputs: ['x'], outputs: ['sh'] },
    { op: 'Gather', inputs: ['sh', 'zero'], outputs: ['n'], attrs: { axis: 0 } },
    { op: 'Concat', inputs: ['n', 'last'], outputs: ['target'], attrs: { axis: 0 } },
    { op: 'Reshape', inputs: ['x', 'target'], outputs: ['r'] },
    { op: 'Constant', inputs: [], outputs: ['k'], attrs: { value: { t: { dims: [1], data: [0.5] } } } },
    { op: 'Mul', inputs: ['r', 'k'], outputs: ['y'] }] } },
  { name: 'Shape arithmetic folds: Range, Gather, Mul, Equal, Where, ConstantOfShape, Cast', spec: { inputs: [{ name: 'x', dims: [2, 3, 4] }], outputs: ['y'],
    initializers: { zero: { dims: [], data: [0], type: 'int64' }, two: { dims: [], data: [2], type: 'int64' }, one: { dims: [], data: [1], type: 'int64' }, k: ints([1, 4]), want: ints([2, 12]), bad: ints([-9, -9]) },
    nodes: [
      { op: 'Shape', inputs: ['x'], outputs: ['sh'] },
      { op: 'Range', inputs: ['zero', 'two', 'one'], outputs: ['r'] },
      { op: 'Gather', inputs: ['sh', 'r'], outputs: ['g'] },
      { op: 'Mul', inputs: ['g', 'k'], outputs: ['m'] },
      { op: 'Equal', inputs: ['m', 'want'], outputs: ['eq'] },
      { op: 'Where', inputs: ['eq', 'm', 'bad'], outputs: ['w'] },
      { op: 'Shape', inputs: ['w'], outputs: ['wsh'] },
      { op: 'ConstantOfShape', inputs: ['wsh'], outputs: ['z'], attrs: { value: { t: { dims: [1], data: [0], type: 'int64' } } } },
      { op: 'Add', inputs: ['w', 'z'], outputs: ['t'] },
      { op: 'Cast', inputs: ['t'], outputs: ['target'], attrs: { to: 7 } },
      { op: 'Reshape', inputs: ['x', 'target'], outputs: ['y'] }] } },
  { name: 'Pad before Conv merges into its pads', spec: { inputs: [{ name: 'x', dims: [1, 2, 6, 6] }], outputs: ['y'], initializers: { p: ints([0, 0, 1, 2, 0, 0, 2, 1]), w: rand([3, 2, 3, 3]) }, nodes: [
    { op: 'Pad', inputs: ['x', 'p'], outputs: ['xp'] }, { op: 'Conv', inputs: ['xp', 'w'], outputs: ['y'] }] }, forbidOps: ['concat'] },
  { name: 'Pad constant value, negative pad', spec: one('Pad', { x: [2, 3, 4], p: ints([0, 1, -1, 0, 2, 1]), v: { dims: [], data: [1.5] } }) },
  { name: 'Pad (opset 11) before AveragePool counts the zeros', spec: { opset: 11, inputs: [{ name: 'x', dims: [1, 2, 6, 6] }], outputs: ['y'], initializers: { p: ints([0, 0, 1, 1, 0, 0, 1, 1]) }, nodes: [
    { op: 'Pad', inputs: ['x', 'p'], outputs: ['xp'] }, { op: 'AveragePool', inputs: ['xp'], outputs: ['y'], attrs: { kernel_shape: [3, 3], strides: [2, 2] } }] } },
  { name: 'Expand runtime data', spec: one('Expand', { x: [3, 1], s: ints([2, 3, 4]) }) },
];

// ---------------------------------------------------------------- recurrent
function rnnCase(kind: 'GRU' | 'LSTM', o: { dir: string; lbr?: number; layout?: number; h0?: 'input' | 'const'; outputs: ('Y' | 'Y_h')[] }): Case {
  const [T, N, I, H] = [5, 2, 3, 4];
  const D = o.dir === 'bidirectional' ? 2 : 1;
  const G = kind === 'GRU' ? 3 : 4;
  const xDims = o.layout === 1 ? [N, T, I] : [T, N, I];
  const stateDims = o.layout === 1 ? [N, D, H] : [D, N, H];
  const inputs: Record<string, number[] | TensorSpec | ''> = { x: xDims, w: rand([D, G * H, I], 0.6), r: rand([D, G * H, H], 0.6), b: rand([D, 2 * G * H], 0.3), seq: '' };
  if (o.h0 === 'input') inputs.h0 = stateDims;
  if (o.h0 === 'const') inputs.h0 = rand(stateDims);
  if (kind === 'LSTM' && o.h0) inputs.c0 = o.h0 === 'input' ? [...stateDims] : rand(stateDims);
  const outputs = ['Y', 'Y_h'].map((n) => (o.outputs.includes(n as 'Y') ? n : ''));
  while (outputs[outputs.length - 1] === '') outputs.pop();
  const attrs: Record<string, AttrSpec> = { hidden_size: H, direction: o.dir, ...(o.layout !== undefined ? { layout: o.layout } : {}), ...(kind === 'GRU' ? { linear_before_reset: o.lbr ?? 0 } : {}) };
  const spec = one(kind, inputs, attrs, { opset: o.layout !== undefined ? 14 : 13, outputs });
  spec.outputs = outputs.filter(Boolean);
  const c: Case = { name: `${kind} ${o.dir}${o.lbr ? ' linear_before_reset' : ''}${o.layout ? ' layout 1' : ''}${o.h0 ? ` h0 ${o.h0}` : ''} -> ${spec.outputs.join(', ')}`, spec, rtol: 1e-5 };
  if (o.layout === 1) {
    // onnxruntime runs only layout 0: the reference is the layout-0 twin on transposed data.
    const twinInputs = Object.fromEntries(Object.entries(inputs).map(([k, v]) => {
      if (Array.isArray(v)) return [k, k === 'x' ? [T, N, I] : [D, N, H]];
      if (typeof v === 'object' && (k === 'h0' || k === 'c0')) return [k, { dims: [D, N, H], data: transposeArray(Float32Array.from(v.data), v.dims, [1, 0, 2]).data }];
      return [k, v];
    }));
    const twin = one(kind, twinInputs, { ...attrs, layout: 0 }, { opset: 14, outputs });
    twin.outputs = spec.outputs;
    c.reference = async (feeds) => {
      const twinFeeds: Feeds = {};
      for (const [k, v] of Object.entries(feeds)) twinFeeds[k] = transposeArray(v.data, v.dims, [1, 0, 2]);
      const out = await runOrt(encodeModel(twin), twinFeeds);
      return out.map((r) => ({ name: r.name, ...transposeArray(r.data, r.dims, r.dims.length === 4 ? [2, 0, 1, 3] : [1, 0, 2]) }));
    };
  }
  return c;
}

CASES.push(
  rnnCase('GRU', { dir: 'forward', outputs: ['Y'] }),
  rnnCase('GRU', { dir: 'forward', lbr: 1, h0: 'input', outputs: ['Y', 'Y_h'] }),
  rnnCase('GRU', { dir: 'reverse', lbr: 1, outputs: ['Y_h'] }),
  rnnCase('GRU', { dir: 'bidirectional', h0: 'const', outputs: ['Y', 'Y_h'] }),
  rnnCase('GRU', { dir: 'bidirectional', lbr: 1, layout: 1, h0: 'input', outputs: ['Y', 'Y_h'] }),
  rnnCase('LSTM', { dir: 'forward', outputs: ['Y'] }),
  rnnCase('LSTM', { dir: 'reverse', h0: 'input', outputs: ['Y', 'Y_h'] }),
  rnnCase('LSTM', { dir: 'bidirectional', h0: 'const', outputs: ['Y', 'Y_h'] }),
  rnnCase('LSTM', { dir: 'bidirectional', layout: 1, outputs: ['Y_h'] }),
);

for (const c of CASES) {
  test(`ONNX ${c.name}`, async () => {
    const bytes = encodeModel(c.spec);
    const rng = makeRng(seed++);
    const feeds: Feeds = {};
    for (const i of c.spec.inputs) {
      const dims = i.dims as number[];
      feeds[i.name] = { dims, data: rng.floats(dims.reduce((a, b) => a * b, 1), 2) };
    }
    const want = c.reference ? await c.reference(feeds) : await runOrt(bytes, feeds);
    const model = importOnnx(bytes, { file: 'case.onnx' });
    const types = model.ops.map((op) => op.type);
    for (const t of c.expectOps ?? []) assert.ok(types.includes(t), `${c.name}: expected an IR ${t} op, got ${types.join(' ')}`);
    for (const t of c.forbidOps ?? []) assert.ok(!types.includes(t), `${c.name}: expected no IR ${t} op, got ${types.join(' ')}`);
    for (const build of BUILDS) {
      const got = runTinysense(model, build, feeds);
      assert.equal(got.map((g) => g.name), want.map((w) => w.name), `${c.name}: output names`);
      got.forEach((g, i) => {
        assert.equal(g.dims, want[i].dims, `${c.name}: ${g.name} shape`);
        assertClose(g.data, want[i].data, { rtol: c.rtol ?? 1e-5, atol: 1e-7, label: `${c.name}: ${g.name}`, shape: g.dims, build });
      });
    }
  });
}

test.run();
