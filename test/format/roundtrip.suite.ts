// write -> read -> write: the graph and weights come back equal, the bytes
// come back identical, and constants are zero-copy views when aligned.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readModel, readModelWithShapes } from '../../src/format/read.ts';
import { writeModel } from '../../src/format/write.ts';
import { validateModel } from '../../src/graph/validate.ts';
import { ALL_MODELS, cnnModel, edgeModel, has, mlpModel, snapshot } from './models.ts';
import { layoutOf, SECTIONS } from './layout.ts';

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

for (const [name, make] of ALL_MODELS) {
  test(`round trip: ${name}`, () => {
    const model = make();
    const blob = writeModel(model);
    assert.ok(same(blob, writeModel(model)), 'writing twice gives identical bytes');
    const back = readModel(blob, { file: `${name}.tsm` });
    assert.equal(snapshot(back), snapshot(model));
    assert.ok(same(writeModel(back), blob), 're-writing what was read gives identical bytes');
  });
}

test('round trip: the cnn model uses the registered ops it can', () => {
  const types = new Set(cnnModel().ops.map((o) => o.type));
  for (const t of ['conv2d', 'relu', 'add', 'split', 'concat', 'softmax']) assert.is(types.has(t), has(t), t);
});

test('round trip: -0, integers beyond i32, float lists and "__proto__" keys survive as values', () => {
  const back = readModel(writeModel(edgeModel()));
  const attrs = back.ops[0].attrs;
  assert.ok(Object.is(attrs.negZero, -0));
  assert.is(attrs.big, 2 ** 40);
  assert.equal(attrs.floats, [0.5, 2, -1e300]);
  assert.equal(attrs.empty, []);
  assert.ok(Object.prototype.hasOwnProperty.call(attrs, '__proto__'));
  assert.is(Object.getPrototypeOf(attrs), Object.prototype);
  assert.is(back.metadata.extra!['ключ'], '\uFEFFbom kept');
  assert.equal(back.metadata.labels, []);
  assert.is(back.metadata.provenance, undefined);
});

test('round trip: attribute and extra key order does not change the bytes', () => {
  const a = mlpModel();
  const b = mlpModel();
  b.ops[0].attrs = { alpha: 0.125, activation: 'leakyRelu' };
  b.metadata.extra = { mean: '0.25', sampleRateHz: '50' };
  b.tensors.forEach((t, i) => { if (t.data) t.data = a.tensors[i].data; });
  assert.ok(same(writeModel(a), writeModel(b)));
});

test('layout: header, section order and 16-byte aligned constants as docs/format.md says', () => {
  const blob = writeModel(edgeModel());
  const v = new DataView(blob.buffer);
  assert.equal([...blob.subarray(0, 4)], [0x54, 0x53, 0x4d, 0x31]);
  assert.is(v.getUint16(4, true), 1);
  assert.is(v.getUint16(6, true), 0);
  assert.is(v.getUint32(8, true), blob.length);
  const { sections } = layoutOf(blob);
  let end = 20 + 12 * SECTIONS.length;
  for (const s of SECTIONS) {
    assert.ok(sections[s].offset >= end, `${s} after the previous section`);
    assert.is(sections[s].offset % (s === 'weights' ? 16 : 4), 0, `${s} alignment`);
    end = sections[s].offset + sections[s].length;
  }
  assert.is(end, blob.length, 'weights is the last section and ends the blob');
  const back = readModel(blob);
  for (const t of back.tensors) {
    if (!t.data) continue;
    assert.ok(t.data.buffer === blob.buffer, `${t.name} is a view, not a copy`);
    assert.is(t.data.byteOffset % 16, 0, `${t.name} starts 16-byte aligned`);
  }
});

test('read: a misaligned caller buffer gives copies with the same values', () => {
  const blob = writeModel(mlpModel());
  const shifted = new Uint8Array(blob.length + 1).subarray(1);
  shifted.set(blob);
  const back = readModel(shifted);
  assert.equal(snapshot(back), snapshot(readModel(blob)));
  const w = back.tensors[1].data!;
  assert.ok(w.buffer !== shifted.buffer, 'f32 data at an odd address is copied');
});

test('read: accepts an ArrayBuffer and hands back the validated shapes', () => {
  const model = mlpModel();
  const blob = writeModel(model);
  const { model: back, shapes } = readModelWithShapes(blob.slice().buffer);
  assert.equal(shapes, validateModel(model));
  assert.is(shapes.ops[1].ins[2], undefined);
  assert.ok(shapes.ops[0].ins[1]!.data === back.tensors[1].data);
  assert.equal(shapes.ops[0].outs, [{ shape: [2, 16], dtype: 'f32' }]);
});

test.run();
