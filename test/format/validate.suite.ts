// validateModel on in-memory models (as the builder and importers make them):
// each rule rejects with its code and names the op/tensor; valid models give
// the shapes the scheduler reuses.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isTinysenseError, type ErrorCode, type TinysenseError } from '../../src/errors.ts';
import { validateModel } from '../../src/graph/validate.ts';
import type { Model } from '../../src/graph/model.ts';
import { cnnModel, edgeModel, mlpModel } from './models.ts';

function expectCode(m: Model, code: ErrorCode, label: string): TinysenseError {
  try {
    validateModel(m, { file: 'm.tsm' });
  } catch (e) {
    if (!isTinysenseError(e)) throw e;
    assert.is(e.code, code, `${label}: ${e.message}`);
    assert.is(e.where.file, 'm.tsm');
    return e;
  }
  assert.unreachable(`${label}: valid, expected ${code}`);
  throw new Error('unreachable');
}

const edit = (f: (m: Model) => void): Model => {
  const m = mlpModel();
  f(m);
  return m;
};

test('validate: shapes per op, absent inputs undefined, constants with data', () => {
  const m = mlpModel();
  const s = validateModel(m);
  assert.is(s.ops.length, 2);
  assert.equal(s.ops[0].ins.map((x) => x?.shape), [[2, 8], [8, 16], [16]]);
  assert.ok(s.ops[0].ins[1]!.data === m.tensors[1].data);
  assert.is(s.ops[0].ins[0]!.data, undefined);
  assert.is(s.ops[1].ins[2], undefined);
  assert.equal(s.ops[1].outs, [{ shape: [2, 4], dtype: 'f32' }]);
  assert.is(validateModel(cnnModel()).ops.length, cnnModel().ops.length);
  validateModel(edgeModel());
});

test('MODEL_TENSOR: dims, dtype, rank, size and indices', () => {
  expectCode(edit((m) => { m.tensors[0].shape = [2, 0]; }), 'MODEL_TENSOR', 'zero dim');
  expectCode(edit((m) => { m.tensors[0].shape = [2, 1.5]; }), 'MODEL_TENSOR', 'fractional dim');
  expectCode(edit((m) => { m.tensors[0].shape = [1, 1, 1, 1, 1, 1, 1, 1, 8]; }), 'MODEL_TENSOR', 'rank 9');
  expectCode(edit((m) => { (m.tensors[0] as { dtype: string }).dtype = 'f16'; }), 'MODEL_TENSOR', 'dtype');
  const big = expectCode(edit((m) => { m.tensors[3].shape = [65536, 8193]; }), 'MODEL_TENSOR', 'over 2^31 bytes');
  assert.is(big.where.tensor, 'h');
  validateModel(edit((m) => { m.tensors[0].shape = [65536, 8]; m.tensors[3].shape = [65536, 16]; m.tensors[5].shape = [65536, 4]; }));
  expectCode(edit((m) => { m.ops[0].inputs[0] = 6; }), 'MODEL_TENSOR', 'input index');
  expectCode(edit((m) => { m.ops[0].outputs[0] = -1; }), 'MODEL_TENSOR', 'output -1');
  expectCode(edit((m) => { m.outputs[0] = 1.5; }), 'MODEL_TENSOR', 'graph output index');
});

test('MODEL_WEIGHTS: data size, data type, non-constant weights', () => {
  const e = expectCode(edit((m) => { m.tensors[2].data = new Float32Array(15); }), 'MODEL_WEIGHTS', 'short bias');
  assert.is(e.where.tensor, 'fc1.b');
  expectCode(edit((m) => { m.tensors[2].data = new Int32Array(16); }), 'MODEL_WEIGHTS', 'wrong array type');
  const w = expectCode(edit((m) => {
    m.tensors[1] = { name: 'fc1.w', shape: [8, 16], dtype: 'f32' };
    m.inputs.push(1);
  }), 'MODEL_WEIGHTS', 'weights as a graph input');
  assert.match(w.message, /op fc1 \(dense\)/);
});

test('MODEL_GRAPH: producers, inputs, outputs, order, arity', () => {
  expectCode(edit((m) => { m.ops[1].outputs = [3]; }), 'MODEL_GRAPH', 'two producers');
  expectCode(edit((m) => { m.ops[0].outputs = [0]; }), 'MODEL_GRAPH', 'writes a graph input');
  expectCode(edit((m) => { m.ops[0].outputs = [1]; }), 'MODEL_GRAPH', 'writes a constant');
  expectCode(edit((m) => { m.tensors.push({ name: 'orphan', shape: [1], dtype: 'f32' }); }), 'MODEL_GRAPH', 'orphan activation');
  expectCode(edit((m) => { m.ops.pop(); }), 'MODEL_GRAPH', 'output never produced');
  expectCode(edit((m) => { m.inputs.push(0); }), 'MODEL_GRAPH', 'input listed twice');
  expectCode(edit((m) => { m.outputs.push(1); }), 'MODEL_GRAPH', 'constant output');
  const order = expectCode(edit((m) => m.ops.reverse()), 'MODEL_GRAPH', 'order');
  assert.match(order.message, /topological/);
  const self = expectCode(edit((m) => { m.ops[1].inputs[0] = 5; }), 'MODEL_GRAPH', 'self loop');
  assert.match(self.message, /cycle: fc2 -> fc2/);
  const arity = expectCode(edit((m) => { m.ops[0].inputs = [0]; }), 'MODEL_GRAPH', 'too few inputs');
  assert.match(arity.message, /expected 2 to 3/);
  expectCode(edit((m) => { m.ops[0].inputs = [0, 1, 2, 2]; }), 'MODEL_GRAPH', 'too many inputs');
  expectCode(edit((m) => { m.ops[0].inputs = [0, -1, 2]; }), 'MODEL_GRAPH', 'required input absent');
});

test('MODEL_GRAPH: a long cyclic chain is reported without deep recursion', () => {
  const n = 20000;
  const m: Model = { name: 'chain', tensors: [{ name: 'w', shape: [1, 1], dtype: 'f32', data: new Float32Array(1) }], ops: [], inputs: [], outputs: [1], metadata: {} };
  for (let i = 0; i < n; i++) m.tensors.push({ name: `t${i}`, shape: [1, 1], dtype: 'f32' });
  for (let i = 0; i < n; i++) m.ops.push({ type: 'dense', name: `op${i}`, inputs: [1 + ((i + 1) % n), 0], outputs: [1 + i], attrs: {} });
  const e = expectCode(m, 'MODEL_GRAPH', 'long cycle');
  assert.match(e.message, /cycle: op0 -> op19999 -> /);
});

test('OP_UNSUPPORTED and MODEL_SHAPE_MISMATCH name the op and tensor', () => {
  const u = expectCode(edit((m) => { m.ops[0].type = 'nope'; }), 'OP_UNSUPPORTED', 'type');
  assert.match(u.message, /supported: .*dense/);
  const s = expectCode(edit((m) => { m.tensors[3].shape = [2, 17]; }), 'MODEL_SHAPE_MISMATCH', 'declared shape');
  assert.is(s.where.tensor, 'h');
  assert.ok(s.where.op?.startsWith('fc1'));
  expectCode(edit((m) => { m.tensors[3].dtype = 'i32'; }), 'MODEL_SHAPE_MISMATCH', 'declared dtype');
  expectCode(edit((m) => { m.tensors[1].shape = [7, 16]; m.tensors[1].data = new Float32Array(7 * 16); }), 'MODEL_SHAPE_MISMATCH', 'inner dims');
  expectCode(edit((m) => { m.ops[0].attrs = { activation: 'swish' }; }), 'MODEL_ATTRIBUTE', 'attribute from infer');
});

test.run();
