// computeBuffers: grouping of activations into buffers (alias, in-place) and
// buffer lifetimes, against hand-checked graphs and an independent
// re-derivation over random graphs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isConstant, tensorBytes, type Model } from '../../src/graph/model.ts';
import { computeBuffers, type BufferSet } from '../../src/plan/index.ts';
import { makeRng } from '../helpers/random.ts';
import { HAND, handModel, randomModel, type Kind } from './graphs.ts';

const RANDOM_GRAPHS = 600;

/** Buffers as [tensor names, start, end, bytes], for readable hand checks. */
function describe(model: Model, set: BufferSet) {
  return set.buffers.map((b) => [b.tensors.map((t) => model.tensors[t].name).join('+'), b.start, b.end, b.bytes]);
}

test('lifetimes: chain of three tensors', () => {
  const { model, kinds } = HAND.chain();
  const set = computeBuffers(model, kinds);
  assert.equal(describe(model, set), [['x', 0, 0, 64], ['a', 0, 1, 64], ['b', 1, 1, 64]]);
});

test('lifetimes: reshape aliases its input; constants are not planned', () => {
  const { model, kinds } = HAND.reshape();
  const set = computeBuffers(model, kinds);
  assert.equal(describe(model, set), [['x+r', 0, 1, 96], ['y', 1, 1, 40]]);
  assert.equal(set.tensorBuffer, [0, 0, -1, 1]);
});

test('lifetimes: in-place relu chain is one buffer', () => {
  const { model, kinds } = HAND.reluChain();
  const set = computeBuffers(model, kinds);
  assert.equal(describe(model, set), [['x+a+b+c', 0, 2, 100]]);
});

test('lifetimes: diamond, with and without an in-place join', () => {
  const plain = HAND.diamond();
  assert.equal(describe(plain.model, computeBuffers(plain.model, plain.kinds)), [
    ['x', 0, 0, 64], ['a', 0, 2, 64], ['b', 1, 3, 64], ['c', 2, 3, 64], ['d', 3, 3, 64],
  ]);
  const inplace = HAND.diamond('inplace');
  assert.equal(describe(inplace.model, computeBuffers(inplace.model, inplace.kinds)), [
    ['x', 0, 0, 64], ['a', 0, 2, 64], ['b+d', 1, 3, 64], ['c', 2, 3, 64],
  ]);
});

test('lifetimes: in-place is refused when input 0 is read later, is a graph output, or differs in size', () => {
  const readLater = handModel({
    tensors: { x: 32, a: 32, b: 32, c: 32 },
    ops: [
      { type: 'op', inputs: ['x'], outputs: ['a'] },
      { type: 'relu', kind: 'inplace', inputs: ['a'], outputs: ['b'] },
      { type: 'add', inputs: ['a', 'b'], outputs: ['c'] },
    ],
    inputs: ['x'],
    outputs: ['c'],
  });
  assert.equal(describe(readLater.model, computeBuffers(readLater.model, readLater.kinds)), [
    ['x', 0, 0, 32], ['a', 0, 2, 32], ['b', 1, 2, 32], ['c', 2, 2, 32],
  ]);
  const output = handModel({
    tensors: { x: 32, a: 32, b: 32 },
    ops: [{ type: 'op', inputs: ['x'], outputs: ['a'] }, { type: 'relu', kind: 'inplace', inputs: ['a'], outputs: ['b'] }],
    inputs: ['x'],
    outputs: ['a', 'b'],
  });
  assert.equal(describe(output.model, computeBuffers(output.model, output.kinds)), [['x', 0, 0, 32], ['a', 0, 1, 32], ['b', 1, 1, 32]]);
  // An alias of a later-read tensor makes the whole group live: no in-place.
  const viaAlias = handModel({
    tensors: { x: 32, r: 32, b: 32, c: 32 },
    ops: [
      { type: 'reshape', kind: 'alias', inputs: ['x'], outputs: ['r'] },
      { type: 'relu', kind: 'inplace', inputs: ['x'], outputs: ['b'] },
      { type: 'add', inputs: ['r', 'b'], outputs: ['c'] },
    ],
    inputs: ['x'],
    outputs: ['c'],
  });
  assert.equal(describe(viaAlias.model, computeBuffers(viaAlias.model, viaAlias.kinds)), [['x+r', 0, 2, 32], ['b', 1, 2, 32], ['c', 2, 2, 32]]);
  const resized = handModel({
    tensors: { x: 32, y: 16 },
    ops: [{ type: 'pool', kind: 'inplace', inputs: ['x'], outputs: ['y'] }],
    inputs: ['x'],
    outputs: ['y'],
  });
  assert.equal(describe(resized.model, computeBuffers(resized.model, resized.kinds)), [['x', 0, 0, 32], ['y', 0, 0, 16]]);
});

test('lifetimes: unread outputs and unused inputs still get a buffer for one op', () => {
  const { model, kinds } = handModel({
    tensors: { x: 8, unused: 12, y: 8, side: 4 },
    ops: [{ type: 'split', inputs: ['x'], outputs: ['y', 'side'] }],
    inputs: ['x', 'unused'],
    outputs: ['y'],
  });
  assert.equal(describe(model, computeBuffers(model, kinds)), [['x', 0, 0, 8], ['unused', 0, 0, 12], ['y', 0, 0, 8], ['side', 0, 0, 4]]);
});

test('lifetimes: a model without ops, and malformed graphs', () => {
  const { model } = handModel({ tensors: { x: 8 }, ops: [], inputs: ['x'], outputs: ['x'] });
  assert.equal(describe(model, computeBuffers(model, [])), [['x', 0, 0, 8]]);
  const orphan = handModel({ tensors: { x: 8, ghost: 8, y: 8 }, ops: [{ type: 'add', inputs: ['x', 'ghost'], outputs: ['y'] }], inputs: ['x'], outputs: ['y'] });
  assert.throws(() => computeBuffers(orphan.model, orphan.kinds), /MODEL_GRAPH.*ghost/);
  assert.throws(() => computeBuffers(orphan.model, []), /MODEL_GRAPH/);
});

// --- property test -------------------------------------------------------

/**
 * Re-derives from the model alone what must hold of any valid grouping, and
 * whether each in-place op must have taken over its input's buffer.
 */
function checkGrouping(model: Model, kinds: Kind[], set: BufferSet, label: string) {
  const { tensors, ops } = model;
  const lastOp = Math.max(ops.length - 1, 0);
  const def = new Map<number, number>();
  for (const t of model.inputs) def.set(t, 0);
  ops.forEach((op, i) => op.outputs.forEach((t) => def.set(t, i)));
  const lastRead = new Map<number, number>();
  ops.forEach((op, i) => op.inputs.forEach((t) => t >= 0 && lastRead.set(t, i)));
  const outputs = new Set(model.outputs);
  const needUntil = (t: number) => (outputs.has(t) ? lastOp : Math.max(def.get(t)!, lastRead.get(t) ?? -1));

  // Values: tensors that are the same bytes by construction (alias chains).
  const value = tensors.map((_, i) => i);
  const find = (t: number): number => (value[t] === t ? t : (value[t] = find(value[t])));
  ops.forEach((op, i) => {
    const src = op.inputs[0];
    if (kinds[i] === 'alias' && src >= 0 && !isConstant(tensors[src])) value[find(op.outputs[0])] = find(src);
  });

  // Every planned tensor sits in exactly one buffer that covers its lifetime.
  tensors.forEach((t, i) => {
    const b = set.tensorBuffer[i];
    if (isConstant(t) || !def.has(i)) return assert.is(b, -1, `${label}: ${t.name} must not be planned`);
    const buf = set.buffers[b];
    assert.ok(buf && buf.tensors.includes(i), `${label}: ${t.name} not in its buffer`);
    assert.ok(buf.start <= def.get(i)! && needUntil(i) <= buf.end, `${label}: buffer ${b} [${buf.start},${buf.end}] misses ${t.name}`);
    assert.ok(buf.bytes >= tensorBytes(t), `${label}: buffer ${b} smaller than ${t.name}`);
  });
  assert.is(set.buffers.reduce((n, b) => n + b.tensors.length, 0), def.size, `${label}: tensor count`);

  // Inside a buffer, distinct values follow one another, each handed over by
  // an in-place op at the op where the previous value dies.
  set.buffers.forEach((b, id) => {
    assert.is(b.id, id, `${label}: ids are positions`);
    const groups = new Map<number, number[]>();
    for (const t of b.tensors) groups.set(find(t), [...(groups.get(find(t)) ?? []), t]);
    const spans = [...groups.values()]
      .map((ts) => ({ ts, start: Math.min(...ts.map((t) => def.get(t)!)), end: Math.max(...ts.map(needUntil)) }))
      .sort((p, q) => p.start - q.start);
    assert.is(b.start, spans[0].start, `${label}: buffer ${id} start is tight`);
    assert.is(b.end, Math.max(...spans.map((s) => s.end)), `${label}: buffer ${id} end is tight`);
    for (let k = 1; k < spans.length; k++) {
      const [prev, next] = [spans[k - 1], spans[k]];
      const op = ops[next.start];
      assert.is(kinds[next.start], 'inplace', `${label}: buffer ${id} reused without an in-place op`);
      assert.ok(prev.ts.includes(op.inputs[0]) && next.ts.includes(op.outputs[0]), `${label}: buffer ${id} handover is not input 0 -> output 0`);
      assert.ok(prev.end <= next.start, `${label}: buffer ${id} overwritten while still read`);
      assert.ok(prev.ts.every((t) => !outputs.has(t)), `${label}: buffer ${id} overwrites a graph output`);
    }
  });

  // Each alias shares; each in-place op shares exactly when it is allowed to.
  ops.forEach((op, i) => {
    const src = op.inputs[0];
    if (src < 0 || isConstant(tensors[src])) return;
    const shares = set.tensorBuffer[op.outputs[0]] === set.tensorBuffer[src];
    if (kinds[i] === 'alias') return assert.ok(shares, `${label}: alias ${op.name} must share`);
    if (kinds[i] !== 'inplace') return assert.not.ok(shares, `${label}: ${op.name} must not share`);
    const srcValue = tensors.map((_, t) => t).filter((t) => def.has(t) && find(t) === find(src));
    const allowed =
      srcValue.every((t) => needUntil(t) <= i && !outputs.has(t)) &&
      set.buffers[set.tensorBuffer[src]].bytes === tensorBytes(tensors[op.outputs[0]]);
    assert.is(shares, allowed, `${label}: in-place ${op.name} shares=${shares}, allowed=${allowed}`);
  });
}

test(`lifetimes: property over ${RANDOM_GRAPHS} random graphs`, () => {
  const rng = makeRng(20240611);
  let inplaceShared = 0;
  let inplaceRefused = 0;
  for (let g = 0; g < RANDOM_GRAPHS; g++) {
    const { model, kinds } = randomModel(rng, g);
    const set = computeBuffers(model, kinds);
    checkGrouping(model, kinds, set, `graph ${g}`);
    assert.equal(computeBuffers(model, kinds), set, `graph ${g}: deterministic`);
    model.ops.forEach((op, i) => {
      if (kinds[i] !== 'inplace' || op.inputs[0] < 0 || set.tensorBuffer[op.inputs[0]] < 0) return;
      if (set.tensorBuffer[op.outputs[0]] === set.tensorBuffer[op.inputs[0]]) inplaceShared++;
      else inplaceRefused++;
    });
  }
  // The generator must exercise both branches of the in-place rule.
  assert.ok(inplaceShared > 50 && inplaceRefused > 50, `in-place shared ${inplaceShared}, refused ${inplaceRefused}`);
});

test.run();
