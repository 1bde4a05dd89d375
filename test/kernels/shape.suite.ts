// copyStridedF32 / transposeF32 and the host shape OpDefs (transpose, slice,
// concat, split, and the aliases reshape, flatten, squeeze, unsqueeze,
// identity) against the index-arithmetic reference on both builds. Copies
// move values unchanged, so every comparison is exact.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { concatRef, sliceRef, splitRef, transposeRef, type Nd } from '../reference/shape.ts';
import {
  concatOp, describeCopy, flattenOp, identityOp, reshapeOp, resolveSlice, sliceOp, splitOp, squeezeOp, transposeCopy, transposeOp, unsqueezeOp,
} from '../../src/ops/shape.ts';
import { OPCODES } from '../../src/ops/opcodes.ts';
import { getOpDef } from '../../src/ops/registry.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import type { Attrs } from '../../src/graph/model.ts';
import type { OpDef, ShapeInfo } from '../../src/ops/types.ts';
import { createBuilder } from '../../src/graph/builder.ts';
import { loadModel } from '../../src/runtime/session.ts';
import { writeModel } from '../../src/format/write.ts';
import { binaryRef } from '../reference/elementwise.ts';

const count = (s: number[]) => s.reduce((p, d) => p * d, 1);

function tensor(rng: Rng, shape: number[]): Nd {
  return { shape, data: rng.floats(count(shape)) };
}

function randomShape(rng: Rng, rank: number, dims: number[] = [1, 2, 3, 4, 5, 7]): number[] {
  return Array.from({ length: rank }, () => rng.pick(dims));
}

function checkExact(h: KernelHarness, got: { shape: number[]; data: Float32Array }, want: Nd, label: string): void {
  assert.equal(got.shape, want.shape, `${label}: shape`);
  assertClose(got.data, want.data, { rtol: 0, atol: 0, label, shape: want.shape, build: h.build });
}

function shuffled(rng: Rng, n: number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** Runs a multi-output op (split) through compile and the interpreter; returns every output. */
function runMultiOutput(h: KernelHarness, def: OpDef, x: Nd, attrs: Attrs, constant = false): { shape: number[]; data: Float32Array }[] {
  const ins: ShapeInfo[] = [{ shape: x.shape, dtype: 'f32', ...(constant ? { data: x.data } : {}) }];
  const outs = def.infer(ins, attrs, { op: def.type });
  const compiled = def.compile({ op: { type: def.type, name: def.type, inputs: [0], outputs: outs.map((_, i) => i + 1), attrs }, ins, outs, attrs });
  const weights = compiled.weights.map((r) => {
    const dst = h.alloc(r.bytes);
    r.init(h.k, dst, (d) => h.put(d as Float32Array));
    return dst;
  });
  const input = constant ? 0 : h.put(x.data);
  const outAddrs = outs.map((o) => h.put(new Float32Array(count(o.shape) + 4).fill(-9)));
  const records = compiled.records({ input: () => input, output: (i) => outAddrs[i], weight: (i) => weights[i], scratch: 0 });
  const words = records.flatMap((r) => [r.opcode, 2 + r.args.length, ...(r.args as number[])]);
  h.k.runPlan(h.put(new Int32Array(words)), records.length);
  return outs.map((o, i) => {
    const all = h.getF32(outAddrs[i], count(o.shape) + 4);
    for (let k = count(o.shape); k < all.length; k++) if (all[k] !== -9) throw new Error(`${def.type} output ${i} written past its end (${h.build})`);
    return { shape: o.shape, data: all.subarray(0, count(o.shape)) };
  });
}

for (const build of BUILDS) {
  test(`transpose: random perms rank 1-5, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(21);
    for (let i = 0; i < 80; i++) {
      h.reset();
      const rank = rng.int(1, 5);
      const x = tensor(rng, randomShape(rng, rank));
      const perm = shuffled(rng, rank);
      const constant = rng.next() < 0.2;
      const got = runHostOp(h, transposeOp, [{ ...x, constant }], { perm });
      checkExact(h, got, transposeRef(x, perm), `transpose [${x.shape}] perm [${perm}] const=${constant}`);
    }
  });

  test(`transpose: tiled path, edges and blocks, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(22);
    // [N, L, C] <-> [N, C, L] over sizes below, at and above the 4x4 tile and the 64-column block.
    for (const n of [1, 2]) {
      for (const l of [1, 3, 4, 5, 8, 13, 64, 70]) {
        for (const c of [2, 4, 7, 9, 67]) {
          h.reset();
          const x = tensor(rng, [n, l, c]);
          checkExact(h, runHostOp(h, transposeOp, [x], { perm: [0, 2, 1] }), transposeRef(x, [0, 2, 1]), `transpose [${x.shape}] (0 2 1)`);
        }
      }
    }
    const x = tensor(rng, [3, 5, 6, 7]);
    for (const perm of [[3, 2, 1, 0], [0, 3, 1, 2], [2, 0, 3, 1], [1, 0, 2, 3]]) {
      h.reset();
      const xx = { ...x, data: x.data.slice() };
      checkExact(h, runHostOp(h, transposeOp, [xx], { perm }), transposeRef(xx, perm), `transpose [${x.shape}] perm [${perm}]`);
    }
    h.reset();
    const m = tensor(rng, [67, 131]);
    checkExact(h, runHostOp(h, transposeOp, [m], {}), transposeRef(m, [1, 0]), 'transpose 67x131 default perm');
  });

  test(`slice: negative indices and steps, clamping, empty results, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(23);
    const BIG = 2147483647;
    for (let i = 0; i < 120; i++) {
      h.reset();
      const rank = rng.int(1, 4);
      const x = tensor(rng, randomShape(rng, rank, [1, 2, 3, 5, 6, 9]));
      const axesList = shuffled(rng, rank).slice(0, rng.int(1, rank));
      const starts: number[] = [];
      const ends: number[] = [];
      const steps: number[] = [];
      for (const a of axesList) {
        const dim = x.shape[a];
        const step = rng.pick([1, 1, 2, 3, -1, -1, -2, -3]);
        steps.push(step);
        starts.push(rng.next() < 0.1 ? (step > 0 ? -BIG : BIG) : rng.int(-dim - 2, dim + 2));
        ends.push(rng.next() < 0.2 ? (step > 0 ? BIG : -BIG - 1) : rng.int(-dim - 2, dim + 2));
      }
      const negate = rng.next() < 0.3;
      const axes = axesList.map((a) => (negate ? a - rank : a));
      const omitDefaults = rng.next() < 0.2 && axesList.every((a, k) => a === k) && steps.every((s) => s === 1);
      const attrs: Attrs = omitDefaults ? { starts, ends } : { starts, ends, axes, steps };
      const constant = rng.next() < 0.15;
      const got = runHostOp(h, sliceOp, [{ ...x, constant }], attrs);
      checkExact(h, got, sliceRef(x, starts, ends, axes, steps), `slice [${x.shape}] ${JSON.stringify(attrs)}`);
    }
    // Reversal of a long row: the SIMD reverse path plus its tail.
    for (const len of [3, 4, 9, 33]) {
      h.reset();
      const x = tensor(rng, [2, len]);
      const attrs = { starts: [-1], ends: [-BIG], axes: [1], steps: [-1] };
      checkExact(h, runHostOp(h, sliceOp, [x], attrs), sliceRef(x, [-1], [-BIG], [1], [-1]), `slice reverse [2, ${len}]`);
    }
  });

  test(`concat: each axis, 1-3 inputs, constants, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(24);
    for (let rank = 1; rank <= 4; rank++) {
      for (let axis = -rank; axis < rank; axis++) {
        for (let k = 1; k <= 3; k++) {
          h.reset();
          const base = randomShape(rng, rank);
          const a = axis < 0 ? axis + rank : axis;
          const parts = Array.from({ length: k }, () => tensor(rng, base.map((d, j) => (j === a ? rng.int(1, 6) : d))));
          const constants = parts.map(() => rng.next() < 0.3);
          const got = runHostOp(h, concatOp, parts.map((p, j) => ({ ...p, constant: constants[j] })), { axis });
          checkExact(h, got, concatRef(parts, axis), `concat axis ${axis} of [${parts.map((p) => `[${p.shape}]`)}] const=${constants}`);
        }
      }
    }
  });

  test(`split: each axis, constants, zero-sized parts, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(25);
    for (let rank = 1; rank <= 4; rank++) {
      for (let axis = -rank; axis < rank; axis++) {
        h.reset();
        const a = axis < 0 ? axis + rank : axis;
        const shape = randomShape(rng, rank).map((d, j) => (j === a ? rng.int(3, 9) : d));
        const x = tensor(rng, shape);
        const sizes: number[] = [];
        let left = shape[a];
        while (left > 0) {
          const s = Math.min(left, rng.int(0, 4));
          sizes.push(s);
          left -= s;
        }
        const constant = rng.next() < 0.3;
        const got = runMultiOutput(h, splitOp, x, { axis, sizes }, constant);
        const want = splitRef(x, axis, sizes);
        assert.is(got.length, sizes.length);
        got.forEach((g, i) => checkExact(h, g, want[i], `split [${shape}] axis ${axis} sizes [${sizes}] output ${i}`));
      }
    }
  });

  test(`aliases: no records, except a copy for a constant input, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(26);
    const x = tensor(rng, [2, 3, 4]);
    const cases: [OpDef, Attrs, number[]][] = [
      [reshapeOp, { shape: [0, -1, 2] }, [2, 6, 2]],
      [flattenOp, {}, [2, 12]],
      [squeezeOp, {}, [2, 3, 4]],
      [unsqueezeOp, { axes: [0, -1] }, [1, 2, 3, 4, 1]],
      [identityOp, {}, [2, 3, 4]],
    ];
    for (const [def, attrs, shape] of cases) {
      h.reset();
      const ins: ShapeInfo[] = [{ shape: x.shape, dtype: 'f32' }];
      const outs = def.infer(ins, attrs, { op: def.type });
      assert.equal(outs[0].shape, shape, def.type);
      assert.is(def.memory, 'alias');
      const compiled = def.compile({ op: { type: def.type, name: def.type, inputs: [0], outputs: [1], attrs }, ins, outs, attrs });
      assert.is(compiled.records({ input: () => 64, output: () => 64, weight: () => 0, scratch: 0 }).length, 0, `${def.type} emits no records`);
      const got = runHostOp(h, def, [{ ...x, constant: true }], attrs);
      checkExact(h, got, { shape, data: x.data }, `${def.type} of a constant`);
    }
  });

  test(`copyStridedF32: fill, strided destination, negative steps, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(27);
    for (const n of [1, 3, 4, 6, 13]) {
      h.reset();
      const src = rng.floats(3 * n + 8);
      const s = h.put(src);
      // dst[i][2j] = src[5 - i]: the base points at src[5], the row stride is
      // -1 and the element stride 0 (a fill); the destination skips every other float.
      const dst = h.put(new Float32Array(3 * 2 * n).fill(7));
      h.call('copyStridedF32', s + 20, dst, 2, h.put(new Int32Array([3, n, -1, 0, 2 * n, 2])));
      const want = new Float32Array(3 * 2 * n).fill(7);
      for (let i = 0; i < 3; i++) for (let j = 0; j < n; j++) want[i * 2 * n + 2 * j] = src[5 - i];
      assertClose(h.getF32(dst, 3 * 2 * n), want, { rtol: 0, label: `fill n=${n}`, build });
      // Row read backwards with step -2.
      const d2 = h.alloc(n * 4);
      h.call('copyStridedF32', s + 4 * (2 * n - 2), d2, 1, h.put(new Int32Array([n, -2, 1])));
      const w2 = Float32Array.from({ length: n }, (_, j) => src[2 * n - 2 - 2 * j]);
      assertClose(h.getF32(d2, n), w2, { rtol: 0, label: `step -2 n=${n}`, build });
    }
  });
}

test('end to end: transpose, reshape, slice, concat with a reshaped constant, binary ops in place, split', () => {
  const rng = makeRng(28);
  const cData = rng.floats(6);
  const biasData = rng.floats(11);
  const b = createBuilder('shapes');
  const x = b.input('x', [2, 6, 4]);
  const t = b.op('transpose', [x], { perm: [0, 2, 1] })[0];
  const r = b.op('reshape', [t], { shape: [2, -1] })[0];
  const s = b.op('slice', [r], { starts: [-1], ends: [-100], axes: [1], steps: [-3] })[0];
  const c = b.op('reshape', [b.constant('c', [6], cData)], { shape: [2, 3] })[0];
  const cat = b.op('concat', [s, c], { axis: 1 })[0];
  const biased = b.op('add', [cat, b.constant('bias', [11], biasData)])[0];
  const sq = b.op('mul', [biased, biased])[0];
  const [p, q] = b.op('split', [b.op('sub', [b.constant('one', [], new Float32Array([1])), sq])[0]], { axis: -1, sizes: [5, 6] });
  b.output(p, 'p');
  b.output(q, 'q');
  const model = b.build();

  const xv: Nd = { shape: [2, 6, 4], data: rng.floats(48) };
  const tr = transposeRef(xv, [0, 2, 1]);
  const sl = sliceRef({ shape: [2, 24], data: tr.data }, [-1], [-100], [1], [-3]);
  const ct = concatRef([sl, { shape: [2, 3], data: cData }], 1);
  const bi = binaryRef('add', ct.data, ct.shape, biasData, [11]);
  const sqr = binaryRef('mul', Float32Array.from(bi.data), bi.shape, Float32Array.from(bi.data), bi.shape);
  const one = binaryRef('sub', [1], [], Float32Array.from(sqr.data), sqr.shape);
  const [wp, wq] = splitRef({ shape: one.shape, data: Float32Array.from(one.data) }, -1, [5, 6]);
  for (const build of BUILDS) {
    for (const source of [model, writeModel(model)]) {
      const out = loadModel(source, { build }).run({ x: xv.data });
      assert.equal(out.p.shape, [2, 5]);
      assertClose(out.p.data, wp.data, { rtol: 0, label: 'e2e p', build });
      assertClose(out.q.data, wq.data, { rtol: 0, label: 'e2e q', build });
    }
  }
});

test('shape ops: registered; transpose picks the tiled kernel only when it pays', () => {
  for (const def of [reshapeOp, flattenOp, squeezeOp, unsqueezeOp, identityOp, transposeOp, concatOp, sliceOp, splitOp]) assert.is(getOpDef(def.type, {}), def);
  assert.is(describeCopy(transposeCopy([2, 5, 7], [0, 2, 1])).opcode, OPCODES.TRANSPOSE);
  assert.is(describeCopy(transposeCopy([2, 5, 7], [1, 0, 2])).opcode, OPCODES.COPY_STRIDED);
  // Dims of 1 make a permutation a plain copy.
  const d = describeCopy(transposeCopy([1, 5, 1, 7], [2, 0, 1, 3]));
  assert.equal([d.opcode, d.shape], [OPCODES.COPY_STRIDED, [35]]);
  assert.equal(resolveSlice([10], { starts: [-3], ends: [-100], steps: [-2] }, {}), { starts: [7], steps: [-2], shape: [4] });
  assert.equal(splitOp.outputs instanceof Function && splitOp.outputs({ sizes: [1, 2, 3] }), 3);
});

function throwsCode(fn: () => unknown, code: ErrorCode, field: string, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: threw a non-TinysenseError ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    assert.ok(e.where.field?.startsWith(field), `${label}: field ${field} in ${e.message}`);
    assert.ok(e.where.op?.includes('s1'), `${label}: names the op in ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: did not throw ${code}`);
}

test('shape ops: infer and its errors', () => {
  const f32 = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
  const w = { op: 's1' };
  const x = [f32([2, 3, 4])];
  assert.equal(flattenOp.infer(x, { axis: -1 }, w)[0].shape, [6, 4]);
  assert.equal(flattenOp.infer(x, { axis: 0 }, w)[0].shape, [1, 24]);
  assert.equal(squeezeOp.infer([f32([1, 3, 1])], { axes: [-1] }, w)[0].shape, [1, 3]);
  assert.equal(sliceOp.infer(x, { starts: [5], ends: [9], axes: [2] }, w)[0].shape, [2, 3, 0]);
  assert.equal(concatOp.infer([f32([2, 3]), f32([2, 5])], { axis: -1 }, w)[0].shape, [2, 8]);
  assert.equal(transposeOp.infer([{ shape: [2, 3], dtype: 'i32' }], {}, w)[0], { shape: [3, 2], dtype: 'i32' });

  throwsCode(() => reshapeOp.infer(x, { shape: [5, -1] }, w), 'MODEL_SHAPE_MISMATCH', 'shape', 'reshape -1 does not divide');
  throwsCode(() => reshapeOp.infer(x, { shape: [5, 5] }, w), 'MODEL_SHAPE_MISMATCH', 'shape', 'reshape count');
  throwsCode(() => reshapeOp.infer(x, { shape: [-1, -1] }, w), 'MODEL_ATTRIBUTE', 'shape', 'reshape two -1');
  throwsCode(() => reshapeOp.infer(x, { shape: [24, 0] }, w), 'MODEL_SHAPE_MISMATCH', 'shape', 'reshape 0 copies 3');
  throwsCode(() => reshapeOp.infer(x, {}, w), 'MODEL_ATTRIBUTE', 'shape', 'reshape without shape');
  throwsCode(() => flattenOp.infer(x, { axis: 4 }, w), 'MODEL_ATTRIBUTE', 'axis', 'flatten axis');
  throwsCode(() => squeezeOp.infer(x, { axes: [1] }, w), 'MODEL_SHAPE_MISMATCH', 'axes', 'squeeze non-1 dim');
  throwsCode(() => squeezeOp.infer(x, { axes: [3] }, w), 'MODEL_ATTRIBUTE', 'axes', 'squeeze axis range');
  throwsCode(() => unsqueezeOp.infer(x, { axes: [0, -5] }, w), 'MODEL_ATTRIBUTE', 'axes', 'unsqueeze repeats an axis');
  throwsCode(() => transposeOp.infer(x, { perm: [0, 0, 1] }, w), 'MODEL_ATTRIBUTE', 'perm', 'perm repeats');
  throwsCode(() => transposeOp.infer(x, { perm: [0, 1] }, w), 'MODEL_ATTRIBUTE', 'perm', 'perm length');
  throwsCode(() => transposeOp.infer([{ shape: [2], dtype: 'i8' }], {}, w), 'MODEL_TENSOR', 'x', 'transpose i8');
  throwsCode(() => concatOp.infer([f32([2, 3]), f32([3, 3])], { axis: 1 }, w), 'MODEL_SHAPE_MISMATCH', 'inputs[1]', 'concat off-axis dim');
  throwsCode(() => concatOp.infer([f32([2, 3]), f32([2, 3, 1])], { axis: 0 }, w), 'MODEL_SHAPE_MISMATCH', 'inputs[1]', 'concat rank');
  throwsCode(() => concatOp.infer([f32([2, 3])], { axis: 2 }, w), 'MODEL_ATTRIBUTE', 'axis', 'concat axis range');
  throwsCode(() => concatOp.infer([f32([2, 3])], {}, w), 'MODEL_ATTRIBUTE', 'axis', 'concat without axis');
  throwsCode(() => sliceOp.infer(x, { starts: [0], ends: [1], steps: [0] }, w), 'MODEL_ATTRIBUTE', 'steps', 'slice step 0');
  throwsCode(() => sliceOp.infer(x, { starts: [0, 0], ends: [1] }, w), 'MODEL_ATTRIBUTE', 'ends', 'slice ends length');
  throwsCode(() => sliceOp.infer(x, { starts: [0], ends: [1], axes: [-4] }, w), 'MODEL_ATTRIBUTE', 'axes', 'slice axis range');
  throwsCode(() => splitOp.infer(x, { axis: 1, sizes: [1, 1] }, w), 'MODEL_SHAPE_MISMATCH', 'sizes', 'split sum');
  throwsCode(() => splitOp.infer(x, { axis: 1 }, w), 'MODEL_ATTRIBUTE', 'sizes', 'split without sizes');
  throwsCode(() => splitOp.infer(x, { axis: 3, sizes: [3] }, w), 'MODEL_ATTRIBUTE', 'axis', 'split axis range');
});

test.run();
