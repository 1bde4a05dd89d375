// Malformed and unsupported ONNX input: every case is a typed error
// (IMPORT_PARSE, IMPORT_UNSUPPORTED, IMPORT_DYNAMIC_SHAPE) whose message
// names what is wrong and where, never a crash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import { importOnnx, ONNX_SUPPORTED_OPS } from '../../src/importers/onnx/index.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { makeRng } from '../helpers/random.ts';
import { encodeModel, modelProto, type ModelSpec } from './onnx-build.ts';

function expectError(run: () => unknown, code: ErrorCode, ...fragments: string[]): void {
  try {
    run();
  } catch (e) {
    assert.ok(isTinysenseError(e), `expected a TinysenseError, got ${String(e)}`);
    assert.is(e.code, code, e.message);
    for (const f of fragments) assert.ok(e.message.includes(f), `message should mention "${f}": ${e.message}`);
    return;
  }
  assert.unreachable(`expected ${code}`);
}

const w = (dims: number[]) => ({ dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.1) });

const small: ModelSpec = {
  inputs: [{ name: 'x', dims: [1, 2, 8] }],
  outputs: ['y'],
  initializers: { w: w([3, 2, 3]), b: w([3]) },
  nodes: [
    { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], name: 'conv' },
    { op: 'Relu', inputs: ['c'], outputs: ['y'], name: 'relu' },
  ],
};

test('the small model imports (the mutations below start from a valid file)', () => {
  const m = importOnnx(encodeModel(small));
  assert.equal(m.ops.map((o) => o.type), ['transpose', 'conv1d', 'transpose']);
});

test('truncated protobuf: IMPORT_PARSE at every cut', () => {
  const bytes = encodeModel(small);
  for (let cut = 1; cut < bytes.length; cut += 7) expectError(() => importOnnx(bytes.subarray(0, cut), { file: 'cut.onnx' }), 'IMPORT_PARSE', 'cut.onnx');
});

test('not protobuf at all: IMPORT_PARSE', () => {
  expectError(() => importOnnx(new TextEncoder().encode('this is not an onnx model, just some text')), 'IMPORT_PARSE');
  expectError(() => importOnnx(new Uint8Array(0)), 'IMPORT_PARSE', 'no graph');
});

test('an initializer whose bytes do not match its dims: IMPORT_PARSE naming the tensor and the lengths', () => {
  const m = modelProto(small);
  m.graph.initializer[0].raw_data = m.graph.initializer[0].raw_data.subarray(0, 20);
  expectError(() => importOnnx(encodeModel(m)), 'IMPORT_PARSE', 'tensor w', 'expected 72 bytes', 'found 20 bytes');
  const typed = modelProto(small);
  typed.graph.initializer[1] = { name: 'b', dims: [3], data_type: 1, float_data: [1, 2] };
  expectError(() => importOnnx(encodeModel(typed)), 'IMPORT_PARSE', 'tensor b', 'expected 3', 'found 2');
});

test('a node input nobody produces: IMPORT_PARSE naming the input and the node', () => {
  const spec = { ...small, nodes: [small.nodes[0], { ...small.nodes[1], inputs: ['nowhere'] }] };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_PARSE', '"nowhere"', 'relu (Relu)');
});

test('a graph output nobody produces: IMPORT_PARSE', () => {
  expectError(() => importOnnx(encodeModel({ ...small, outputs: ['y', 'ghost'] })), 'IMPORT_PARSE', '"ghost"');
});

test('a cyclic graph: IMPORT_PARSE naming the nodes on the cycle', () => {
  const spec: ModelSpec = {
    inputs: [{ name: 'x', dims: [2, 3] }],
    outputs: ['y'],
    nodes: [
      { op: 'Add', inputs: ['x', 'b'], outputs: ['a'], name: 'first' },
      { op: 'Relu', inputs: ['a'], outputs: ['b'], name: 'second' },
      { op: 'Relu', inputs: ['a'], outputs: ['y'], name: 'third' },
    ],
  };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_PARSE', 'cycle', 'first', 'second');
});

test('nodes out of order are sorted, not rejected', () => {
  const spec = { ...small, nodes: [small.nodes[1], small.nodes[0]] };
  assert.equal(importOnnx(encodeModel(spec)).ops.map((o) => o.type), ['transpose', 'conv1d', 'transpose']);
});

test('an unknown op: IMPORT_UNSUPPORTED naming the op type, the node and the supported ops', () => {
  const spec = { ...small, nodes: [small.nodes[0], { op: 'Einsum', inputs: ['c'], outputs: ['y'], name: 'mystery', attrs: { equation: 'ij->ji' } }] };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_UNSUPPORTED', 'Einsum', '"mystery"', 'supported ops: ', ONNX_SUPPORTED_OPS.join(', '));
});

test('an op from another domain: IMPORT_UNSUPPORTED', () => {
  const spec = { ...small, nodes: [small.nodes[0], { op: 'Relu', domain: 'com.microsoft', inputs: ['c'], outputs: ['y'], name: 'ms' }] };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_UNSUPPORTED', 'com.microsoft');
});

test('an unsupported attribute or attribute value: IMPORT_UNSUPPORTED naming op, node and attribute', () => {
  const conv = (attrs: Record<string, number | number[] | string>) => ({ ...small, nodes: [{ ...small.nodes[0], attrs }, small.nodes[1]] });
  expectError(() => importOnnx(encodeModel(conv({ frobnicate: 1 }))), 'IMPORT_UNSUPPORTED', 'Conv', '"conv"', 'frobnicate', 'field frobnicate');
  expectError(() => importOnnx(encodeModel(conv({ auto_pad: 'SIDEWAYS' }))), 'IMPORT_UNSUPPORTED', 'auto_pad', 'SIDEWAYS');
  const gru: ModelSpec = {
    inputs: [{ name: 'x', dims: [4, 1, 2] }], outputs: ['y'],
    initializers: { W: w([1, 9, 2]), R: w([1, 9, 3]) },
    nodes: [{ op: 'GRU', inputs: ['x', 'W', 'R'], outputs: ['y'], name: 'rnn', attrs: { hidden_size: 3, activations: ['Relu', 'Tanh'] } }],
  };
  expectError(() => importOnnx(encodeModel(gru)), 'IMPORT_UNSUPPORTED', 'GRU', '"rnn"', 'activations');
  const pad = { ...small, initializers: { ...small.initializers, p: { dims: [6], data: [0, 0, 1, 0, 0, 1], type: 'int64' as const } },
    nodes: [{ op: 'Pad', inputs: ['x', 'p'], outputs: ['y'], name: 'pad', attrs: { mode: 'reflect' } }] };
  expectError(() => importOnnx(encodeModel(pad)), 'IMPORT_UNSUPPORTED', 'Pad', 'reflect', 'field mode');
});

test('a runtime operand where a constant is needed: IMPORT_UNSUPPORTED', () => {
  const spec: ModelSpec = { inputs: [{ name: 'x', dims: [2, 3] }, { name: 'm', dims: [3, 4] }], outputs: ['y'], nodes: [{ op: 'MatMul', inputs: ['x', 'm'], outputs: ['y'], name: 'mm' }] };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_UNSUPPORTED', 'MatMul', 'constant');
});

test('an output the importer does not produce (MaxPool Indices) is an error only when used', () => {
  const spec: ModelSpec = { inputs: [{ name: 'x', dims: [1, 2, 6] }], outputs: ['y', 'idx'], nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y', 'idx'], name: 'mp', attrs: { kernel_shape: [2] } }] };
  expectError(() => importOnnx(encodeModel(spec)), 'IMPORT_UNSUPPORTED', 'Indices', '"mp"');
  assert.ok(importOnnx(encodeModel({ ...spec, outputs: ['y'] })));
});

test('dynamic dims: IMPORT_DYNAMIC_SHAPE naming the input and the fix; inputShapes fixes it', () => {
  const spec = { ...small, inputs: [{ name: 'x', dims: ['batch', 2, 8] }] };
  expectError(() => importOnnx(encodeModel(spec), { file: 'dyn.onnx' }), 'IMPORT_DYNAMIC_SHAPE', 'input "x"', '"batch"', '--input-shape x=1x2x8', 'dyn.onnx');
  const m = importOnnx(encodeModel(spec), { inputShapes: { x: [3, 2, 8] } });
  assert.equal(m.tensors[m.inputs[0]].shape, [3, 2, 8]);
  const out = Object.values(loadModel(m, { build: 'scalar' }).run([new Float32Array(48).fill(1)]))[0];
  assert.equal(out.shape, [3, 3, 6]);
  expectError(() => importOnnx(encodeModel(spec), { inputShapes: { x: [3, 5, 8] } }), 'IMPORT_DYNAMIC_SHAPE', 'dim 1');
  expectError(() => importOnnx(encodeModel(spec), { inputShapes: { x: [3, 8] } }), 'IMPORT_DYNAMIC_SHAPE', 'rank');
  expectError(() => importOnnx(encodeModel(spec), { inputShapes: { x: [3, 2, 8], z: [1] } }), 'IMPORT_DYNAMIC_SHAPE', 'z');
  const unknown = modelProto(small);
  delete unknown.graph.input[0].type.tensor_type.shape;
  expectError(() => importOnnx(encodeModel(unknown)), 'IMPORT_DYNAMIC_SHAPE', 'no declared shape', '--input-shape');
});

test('an opset older than 11: IMPORT_UNSUPPORTED saying how to re-export', () => {
  expectError(() => importOnnx(encodeModel({ ...small, opset: 9 })), 'IMPORT_UNSUPPORTED', 'opset 9', 'opset_version');
});

test('external tensor data: IMPORT_UNSUPPORTED', () => {
  const m = modelProto(small);
  m.graph.initializer[0] = { name: 'w', dims: [3, 2, 3], data_type: 1, data_location: 1, external_data: [{ key: 'location', value: 'w.bin' }] };
  expectError(() => importOnnx(encodeModel(m)), 'IMPORT_UNSUPPORTED', 'outside the .onnx file');
});

test('random byte mutations of a model with many op kinds: a model or a typed error, never a crash', () => {
  const spec: ModelSpec = {
    inputs: [{ name: 'x', dims: [1, 2, 8] }],
    outputs: ['y'],
    initializers: {
      w: w([4, 2, 3]), b: w([4]), W: w([1, 9, 4]), R: w([1, 9, 3]), B: w([1, 18]), g: w([5, 3]), gb: w([5]),
      perm: { dims: [3], data: [0, 1, 2], type: 'int64' }, ax: { dims: [1], data: [1], type: 'int64' }, last: { dims: [1], data: [-1], type: 'int64' }, row: { dims: [2], data: [1, -1], type: 'int64' },
    },
    nodes: [
      { op: 'Conv', inputs: ['x', 'w', 'b'], outputs: ['c'], attrs: { pads: [1, 1] } },
      { op: 'Relu', inputs: ['c'], outputs: ['r'] },
      { op: 'Transpose', inputs: ['r'], outputs: ['t'], attrs: { perm: [2, 0, 1] } },
      { op: 'GRU', inputs: ['t', 'W', 'R', 'B'], outputs: ['Y', 'Yh'], attrs: { hidden_size: 3, linear_before_reset: 1 } },
      { op: 'Squeeze', inputs: ['Yh', 'ax'], outputs: ['h'] },
      { op: 'Squeeze', inputs: ['h'], outputs: ['h1'] },
      { op: 'Unsqueeze', inputs: ['h1', 'ax'], outputs: ['h2'] },
      { op: 'Reshape', inputs: ['h2', 'last'], outputs: ['h3'] },
      { op: 'Unsqueeze', inputs: ['h3', 'ax'], outputs: ['h4'] },
      { op: 'Reshape', inputs: ['h4', 'row'], outputs: ['h5'] },
      { op: 'Gemm', inputs: ['h5', 'g', 'gb'], outputs: ['y'], attrs: { transB: 1 } },
    ],
  };
  const bytes = encodeModel(spec);
  assert.equal(importOnnx(bytes).ops.map((o) => o.type), ['transpose', 'conv1d', 'gru', 'dense']);
  const rng = makeRng(7);
  let typed = 0;
  for (let i = 0; i < 400; i++) {
    const mutated = Uint8Array.from(bytes);
    for (let k = rng.int(1, 3); k > 0; k--) mutated[rng.int(0, mutated.length - 1)] = rng.int(0, 255);
    try {
      importOnnx(mutated);
    } catch (e) {
      assert.ok(isTinysenseError(e), `mutation ${i}: ${String((e as Error)?.stack ?? e)}`);
      typed++;
    }
  }
  assert.ok(typed > 0 && typed < 400, `${typed} of 400 mutations rejected`);
});

test.run();
