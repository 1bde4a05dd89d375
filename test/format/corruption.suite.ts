// Each class of corruption is rejected with its own error code, and the
// message says where (section, byte offset, field) and what was expected and found.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isTinysenseError, type ErrorCode, type TinysenseError } from '../../src/errors.ts';
import { readModel } from '../../src/format/read.ts';
import { sealChecksum } from '../../src/format/schema.ts';
import { writeModel } from '../../src/format/write.ts';
import type { Model } from '../../src/graph/model.ts';
import { edgeModel, mlpModel } from './models.ts';
import { fieldNamed, layoutOf } from './layout.ts';

const BASE = writeModel(mlpModel());

function expectCode(bytes: Uint8Array, code: ErrorCode, label: string): TinysenseError {
  try {
    readModel(bytes, { file: 'bad.tsm' });
  } catch (e) {
    if (!isTinysenseError(e)) throw e;
    assert.is(e.code, code, `${label}: ${e.message}`);
    assert.is(e.where.file, 'bad.tsm', `${label}: names the file`);
    if (code.startsWith('FORMAT_')) {
      assert.ok(e.where.section !== undefined && e.where.offset !== undefined, `${label}: names section and offset: ${e.message}`);
      assert.ok(e.expected !== undefined && e.found !== undefined, `${label}: says expected and found: ${e.message}`);
      assert.match(e.message, /section .*byte offset \d+/);
    }
    return e;
  }
  assert.unreachable(`${label}: loaded, expected ${code}`);
  throw new Error('unreachable');
}

/** A copy of `blob` with the named field set to `value` (little-endian), re-sealed unless told not to. */
function poke(blob: Uint8Array, name: string, value: number, reseal = true): Uint8Array {
  const out = blob.slice();
  const f = fieldNamed(blob, name);
  const v = new DataView(out.buffer);
  if (f.size === 1) v.setUint8(f.at, value);
  else if (f.size === 2) v.setUint16(f.at, value, true);
  else if (f.size === 4) v.setUint32(f.at, value >>> 0, true);
  else v.setFloat64(f.at, value, true);
  return reseal ? sealChecksum(out) : out;
}

const get = (blob: Uint8Array, name: string) => new DataView(blob.buffer).getUint32(fieldNamed(blob, name).at, true);
const sectionEntry = (blob: Uint8Array, s: string) => layoutOf(blob).sections[s];
const unvalidated = (m: Model) => writeModel(m, { validate: false });

test('FORMAT_MAGIC: other files and a damaged magic', () => {
  const e = expectCode(poke(BASE, 'magic', 0x00, false), 'FORMAT_MAGIC', 'magic byte');
  assert.is(e.where.field, 'magic');
  expectCode(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10), 'FORMAT_MAGIC', 'png');
  expectCode(new TextEncoder().encode('{"name": "model"}'), 'FORMAT_MAGIC', 'json');
});

test('FORMAT_VERSION: another major version; a newer minor still loads', () => {
  const e = expectCode(poke(BASE, 'versionMajor', 2), 'FORMAT_VERSION', 'major 2');
  assert.is(e.found, '2.0');
  expectCode(poke(BASE, 'versionMajor', 0), 'FORMAT_VERSION', 'major 0');
  assert.is(readModel(poke(BASE, 'versionMinor', 7)).name, 'mlp');
});

test('FORMAT_CHECKSUM: a flipped bit anywhere outside the checksum field', () => {
  for (const at of [17, 30, 200, BASE.length - 1]) {
    const bad = BASE.slice();
    bad[at] ^= 0x10;
    expectCode(bad, 'FORMAT_CHECKSUM', `bit at ${at}`);
  }
  const bad = BASE.slice();
  bad[13] ^= 1;
  expectCode(bad, 'FORMAT_CHECKSUM', 'the stored checksum itself');
});

test('FORMAT_TRUNCATED: every proper prefix of the blob', () => {
  for (let n = 0; n < BASE.length; n++) expectCode(BASE.slice(0, n), 'FORMAT_TRUNCATED', `prefix ${n}`);
});

test('FORMAT_TRUNCATED: counts and lengths larger than their section can hold', () => {
  for (const name of ['sectionCount', 'strings.count', 'tensors.count', 'ops.count', 'graph.inputs.count', 'metadata.labels.count', 'metadata.extra.count', 'strings[0].length']) {
    for (const value of [0xffffffff, 0x7fffffff, 1_000_000]) {
      const e = expectCode(poke(BASE, name, value), 'FORMAT_TRUNCATED', `${name} = ${value}`);
      assert.ok(e.found !== undefined);
    }
  }
  expectCode(poke(BASE, 'ops[0].inputCount', 0xffff), 'FORMAT_TRUNCATED', 'op input count');
  const edge = writeModel(edgeModel());
  const ints = layoutOf(edge).fields.find((f) => f.name.endsWith('.count') && f.name.includes('attrs'))!;
  expectCode(poke(edge, ints.name, 0x40000000), 'FORMAT_TRUNCATED', 'attribute list count');
});

test('FORMAT_SECTION: misaligned, out of bounds, overlapping, duplicate, unknown and missing sections', () => {
  const tensors = sectionEntry(BASE, 'tensors');
  const n = (field: string) => `sections[${(tensors.entryAt - 20) / 12}].${field}`;
  expectCode(poke(BASE, n('offset'), tensors.offset + 2), 'FORMAT_SECTION', 'misaligned');
  const weightsEntry = `sections[${(sectionEntry(BASE, 'weights').entryAt - 20) / 12}]`;
  expectCode(poke(BASE, `${weightsEntry}.offset`, sectionEntry(BASE, 'weights').offset + 4), 'FORMAT_SECTION', 'weights off 16-byte alignment');
  expectCode(poke(BASE, n('length'), BASE.length), 'FORMAT_SECTION', 'past the end');
  expectCode(poke(BASE, n('offset'), 0xfffffff0), 'FORMAT_SECTION', 'offset past the end');
  expectCode(poke(BASE, n('offset'), 8), 'FORMAT_SECTION', 'inside the header');
  expectCode(poke(BASE, n('offset'), sectionEntry(BASE, 'strings').offset), 'FORMAT_SECTION', 'overlap');
  expectCode(poke(BASE, n('id'), 1), 'FORMAT_SECTION', 'duplicate id');
  expectCode(poke(BASE, n('id'), 99), 'FORMAT_SECTION', 'unknown id');
  const e = expectCode(poke(BASE, 'sectionCount', 5), 'FORMAT_SECTION', 'weights entry dropped');
  assert.match(e.message, /weights/);
  expectCode(poke(BASE, n('length'), tensors.length + 4), 'FORMAT_SECTION', 'section longer than its content');
});

test('FORMAT_FIELD: dtype, rank, flags, attribute kind, reserved bytes, string index, trailing bytes', () => {
  expectCode(poke(BASE, 'tensors[0].dtype', 9), 'FORMAT_FIELD', 'dtype');
  expectCode(poke(BASE, 'tensors[0].dtype', 0), 'FORMAT_FIELD', 'dtype 0');
  expectCode(poke(BASE, 'tensors[0].rank', 9), 'FORMAT_FIELD', 'rank');
  expectCode(poke(BASE, 'tensors[0].flags', 2), 'FORMAT_FIELD', 'flags');
  expectCode(poke(BASE, 'tensors[0].reserved', 1), 'FORMAT_FIELD', 'tensor reserved');
  expectCode(poke(BASE, 'tensors[0].dataOffset', 16), 'FORMAT_FIELD', 'data on an activation');
  expectCode(poke(BASE, 'tensors[1].dataOffset', 8), 'FORMAT_FIELD', 'misaligned constant');
  expectCode(poke(BASE, 'tensors[1].dataLength', 0x100000), 'FORMAT_FIELD', 'constant past the weights');
  expectCode(poke(BASE, 'ops[0].reserved', 1), 'FORMAT_FIELD', 'op reserved');
  expectCode(poke(BASE, 'ops[0].attrs[0].kind', 9), 'FORMAT_FIELD', 'attribute kind');
  expectCode(poke(BASE, 'ops[0].attrs[0].reserved[1]', 1), 'FORMAT_FIELD', 'attribute reserved');
  expectCode(poke(BASE, 'ops[0].type', 100000), 'FORMAT_FIELD', 'string index');
  expectCode(poke(BASE, 'metadata.flags', 16), 'FORMAT_FIELD', 'metadata flags');
  const nan = BASE.slice();
  const alpha = layoutOf(BASE).fields.find((f) => f.name === 'ops[0].attrs[1].float')!;
  new DataView(nan.buffer).setFloat64(alpha.at, NaN, true);
  expectCode(sealChecksum(nan), 'FORMAT_FIELD', 'NaN float attribute');
  const longer = new Uint8Array(BASE.length + 4);
  longer.set(BASE);
  const e = expectCode(longer, 'FORMAT_FIELD', 'trailing bytes');
  assert.is(e.where.field, 'totalLength');
});

test('errors name the full field of the record they are in (tensor, op, attribute, list element)', () => {
  const cases: [string, number, ErrorCode, string][] = [
    ['tensors[2].dtype', 9, 'FORMAT_FIELD', 'tensors[2].dtype'],
    ['tensors[1].flags', 2, 'FORMAT_FIELD', 'tensors[1].flags'],
    ['tensors[1].dataLength', 0x100000, 'FORMAT_FIELD', 'tensors[1].dataLength'],
    ['tensors[1].dataOffset', 8, 'FORMAT_FIELD', 'tensors[1].dataOffset'],
    ['ops[1].type', 100000, 'FORMAT_FIELD', 'ops[1].type'],
    ['ops[0].attrs[0].kind', 9, 'FORMAT_FIELD', 'ops[0].attrs[0].kind'],
    ['ops[0].attrs[1].key', 100000, 'FORMAT_FIELD', 'ops[0].attrs[1].key'],
    ['ops[1].outputs[0]', 99, 'MODEL_TENSOR', 'ops[1].outputs[0]'],
    ['graph.outputs[0]', 99, 'MODEL_TENSOR', 'outputs[0]'],
    ['strings[1].length', 0x7fffffff, 'FORMAT_TRUNCATED', 'strings[1].bytes'],
  ];
  for (const [name, value, code, field] of cases) {
    const e = expectCode(poke(BASE, name, value), code, name);
    assert.is(e.where.field, field, name);
  }
  const nan = BASE.slice();
  new DataView(nan.buffer).setFloat64(layoutOf(BASE).fields.find((f) => f.name === 'ops[0].attrs[1].float')!.at, NaN, true);
  assert.is(expectCode(sealChecksum(nan), 'FORMAT_FIELD', 'NaN').where.field, 'ops[0].attrs[1].value');
});

test('FORMAT_FIELD: duplicate attribute and metadata keys', () => {
  // mlp's extra keys are "mean", "sampleRateHz" (sorted): point both at one string.
  expectCode(poke(BASE, 'metadata.extra[1].key', get(BASE, 'metadata.extra[0].key')), 'FORMAT_FIELD', 'duplicate extra key');
  expectCode(poke(BASE, 'ops[0].attrs[1].key', get(BASE, 'ops[0].attrs[0].key')), 'FORMAT_FIELD', 'duplicate attribute key');
});

test('FORMAT_STRING: invalid UTF-8', () => {
  for (const byte of [0xff, 0xc0, 0x80]) {
    const e = expectCode(poke(BASE, 'strings[0].bytes', byte), 'FORMAT_STRING', `byte ${byte}`);
    assert.is(e.where.section, 'strings');
  }
});

test('MODEL_TENSOR: tensor index out of range, zero dimension', () => {
  const e = expectCode(poke(BASE, 'ops[0].inputs[0]', 6), 'MODEL_TENSOR', 'op input');
  assert.is(e.where.field, 'ops[0].inputs[0]');
  expectCode(poke(BASE, 'ops[0].inputs[0]', -2), 'MODEL_TENSOR', 'op input -2');
  expectCode(poke(BASE, 'ops[0].outputs[0]', -1), 'MODEL_TENSOR', 'op output -1');
  expectCode(poke(BASE, 'graph.outputs[0]', 99), 'MODEL_TENSOR', 'graph output');
  expectCode(poke(BASE, 'tensors[0].shape[1]', 0), 'MODEL_TENSOR', 'zero dim');
  expectCode(poke(BASE, 'tensors[0].shape[1]', 0xffffffff), 'MODEL_TENSOR', 'huge dim');
});

test('MODEL_WEIGHTS: constant size differs from its shape', () => {
  const len = get(BASE, 'tensors[1].dataLength');
  const e = expectCode(poke(BASE, 'tensors[1].dataLength', len - 4), 'MODEL_WEIGHTS', 'one element short');
  assert.is(e.where.tensor, 'fc1.w');
  expectCode(poke(BASE, 'tensors[1].dataLength', len - 1), 'MODEL_WEIGHTS', 'not whole elements');
  expectCode(poke(BASE, 'tensors[2].shape[0]', 15), 'MODEL_WEIGHTS', 'shape smaller than data');
});

test('MODEL_GRAPH: a cycle, and a use before the producing op', () => {
  const cyclic = mlpModel();
  // fc1 now reads fc2's output: fc1 -> fc2 -> fc1.
  cyclic.tensors[0] = { ...cyclic.tensors[0], shape: [2, 4] };
  cyclic.tensors[1] = { name: 'fc1.w', shape: [4, 16], dtype: 'f32', data: new Float32Array(64) };
  cyclic.ops[0].inputs[0] = 5;
  cyclic.inputs = [];
  cyclic.tensors.splice(0, 1, { name: 'unused', shape: [1], dtype: 'f32', data: new Float32Array(1) });
  const e = expectCode(unvalidated(cyclic), 'MODEL_GRAPH', 'cycle');
  assert.match(e.message, /cycle: fc1 -> fc2 -> fc1/);
  assert.match(e.message, /op fc1 \(dense\)/);

  const swapped = mlpModel();
  swapped.ops.reverse();
  const e2 = expectCode(unvalidated(swapped), 'MODEL_GRAPH', 'order');
  assert.match(e2.message, /topological/);
  assert.is(e2.where.tensor, 'h');
});

test('MODEL_SHAPE_MISMATCH: a declared output shape that inference disagrees with', () => {
  const m = mlpModel();
  m.tensors[5] = { ...m.tensors[5], shape: [2, 5] };
  const e = expectCode(unvalidated(m), 'MODEL_SHAPE_MISMATCH', 'output shape');
  assert.is(e.where.tensor, 'y');
  assert.match(e.message, /op fc2 \(dense\)/);
  assert.is(e.expected, 'f32[2, 4]');
  assert.is(e.found, 'f32[2, 5]');
});

test('OP_UNSUPPORTED: an unknown op type, with the supported list', () => {
  const m = mlpModel();
  m.ops[1].type = 'fancyDense';
  const e = expectCode(unvalidated(m), 'OP_UNSUPPORTED', 'op type');
  assert.match(e.message, /"fancyDense"/);
  assert.match(e.message, /supported: .*dense/);
});

test.run();
