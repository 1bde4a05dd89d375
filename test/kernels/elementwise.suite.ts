// binaryF32 and the host OpDefs add/sub/mul/div/max/min against the f64
// reference on both builds: broadcasting patterns (same shape, scalar,
// per-channel vector, crossed [N,1,C] x [N,L,1], random rank 1-5 with dims
// of 1), constants on either side, in place, the strided fallback, shape
// inference and its errors.
//
// Tolerance: none. Each output is one IEEE f32 operation on f32 inputs, and
// rounding the exact f64 result of +, -, *, / to f32 gives the correctly
// rounded f32 result (53 >= 2 * 24 + 2: Figueroa, "When is double rounding
// innocuous?", SIGNUM Newsletter 30(3), 1995); max and min are exact. So the
// kernel must match Math.fround(reference) bit for bit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { binaryRef, broadcastRef, BINARY_NAMES, type BinaryName } from '../reference/elementwise.ts';
import { addOp, subOp, mulOp, divOp, maxOp, minOp, BINARY_CODES, broadcastShape, broadcastStrides, describeBinary } from '../../src/ops/elementwise.ts';
import { collapseDims } from '../../src/ops/shape.ts';
import { getOpDef } from '../../src/ops/registry.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import type { OpDef, ShapeInfo } from '../../src/ops/types.ts';

const DEFS: Record<BinaryName, OpDef> = { add: addOp, sub: subOp, mul: mulOp, div: divOp, max: maxOp, min: minOp };

const count = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** Values in +-[0.25, 1.25): no zeros, so div stays finite and relative rounding is visible. */
function operand(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.next() < 0.5 ? -1 : 1) * (0.25 + rng.next());
  return a;
}

function checkExact(got: Float32Array, want: Float64Array, label: string, shape: number[], build: string): void {
  assertClose(got, Float32Array.from(want), { rtol: 0, atol: 0, label, shape, build });
}

interface Pair {
  a: number[];
  b: number[];
}

// Hand-picked patterns, each hitting one kernel row kind or a merge rule.
const PATTERNS: Pair[] = [
  { a: [7], b: [7] }, { a: [4], b: [4] }, { a: [33], b: [33] }, { a: [3, 5], b: [3, 5] },
  { a: [2, 3, 4, 5], b: [2, 3, 4, 5] }, { a: [1, 1, 1, 1, 9], b: [1, 1, 1, 1, 9] },
  { a: [5, 7], b: [] }, { a: [5, 7], b: [1] }, { a: [], b: [13] }, { a: [1], b: [2, 17] }, { a: [], b: [] },
  { a: [2, 9, 6], b: [6] }, { a: [3, 17, 8], b: [8] }, { a: [1, 10, 3], b: [3] }, { a: [6], b: [2, 5, 6] },
  { a: [2, 1, 5], b: [2, 7, 1] }, { a: [2, 7, 1], b: [2, 1, 5] }, { a: [2, 5, 9], b: [2, 5, 1] },
  { a: [3, 1], b: [3, 11] }, { a: [4, 1, 6], b: [1, 3, 1] }, { a: [2, 1, 3, 1, 5], b: [4, 3, 6, 1] },
  { a: [2, 3, 4, 1, 1], b: [1, 1, 1, 5, 3] }, { a: [1, 16, 1], b: [9, 1, 17] },
];

/** A random broadcastable pair: an output shape of rank 1-5, each input a suffix of it with some dims set to 1. */
function randomPair(rng: Rng): Pair {
  const rank = rng.int(1, 5);
  const out = Array.from({ length: rank }, () => rng.pick([1, 2, 3, 4, 5, 7, 8, 9]));
  const derive = () => out.slice(rng.int(0, rank)).map((d) => (rng.next() < 0.3 ? 1 : d));
  return { a: derive(), b: derive() };
}

function runCase(h: KernelHarness, rng: Rng, op: BinaryName, p: Pair, constA: boolean, constB: boolean): void {
  h.reset();
  const a = operand(rng, count(p.a));
  const b = operand(rng, count(p.b));
  const want = binaryRef(op, a, p.a, b, p.b);
  const got = runHostOp(h, DEFS[op], [
    { shape: p.a, data: a, constant: constA },
    { shape: p.b, data: b, constant: constB },
  ], {});
  const label = `${op} [${p.a}] x [${p.b}] const=${constA}/${constB}`;
  assert.equal(got.shape, want.shape, `${label}: shape`);
  assert.is(got.macs, count(want.shape), `${label}: macs`);
  checkExact(got.data, want.data, label, want.shape, h.build);
}

for (const build of BUILDS) {
  test(`binary: broadcasting patterns x every op, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(11);
    for (const op of BINARY_NAMES) {
      for (const p of PATTERNS) runCase(h, rng, op, p, false, false);
    }
  });

  test(`binary: random shapes rank 1-5, constants on either side, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(12);
    for (let i = 0; i < 60; i++) {
      const op = BINARY_NAMES[i % BINARY_NAMES.length];
      runCase(h, rng, op, randomPair(rng), rng.next() < 0.25, rng.next() < 0.4);
    }
  });

  test(`binary: in place (y == a), every op, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(13);
    for (const op of BINARY_NAMES) {
      for (const p of [{ a: [37], b: [37] }, { a: [3, 5, 6], b: [6] }, { a: [2, 9, 5], b: [] }, { a: [2, 7, 5], b: [2, 7, 1] }, { a: [4, 3, 9], b: [4, 1, 9] }]) {
        h.reset();
        const a = operand(rng, count(p.a));
        const b = operand(rng, count(p.b));
        const d = describeBinary(p.a, p.b, p.a);
        const pa = h.put(a);
        h.call('binaryF32', BINARY_CODES[op], pa, h.put(b), pa, d.shape.length, h.put(new Int32Array([...d.shape, ...d.strides[0], ...d.strides[1]])));
        const want = binaryRef(op, a, p.a, b, p.b);
        checkExact(h.getF32(pa, count(p.a)), want.data, `${op} in place [${p.a}] x [${p.b}]`, p.a, build);
      }
    }
  });

  test(`binary: strided fallback and both-broadcast rows, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(14);
    for (const op of BINARY_NAMES) {
      for (const n of [1, 3, 4, 9]) {
        h.reset();
        // y[r][i] = a[5r + 2i] op b[3i]: strides no contiguous tensor produces.
        const a = operand(rng, 5 * 3 + 2 * n);
        const b = operand(rng, 3 * n);
        const y = h.alloc(3 * n * 4);
        h.call('binaryF32', BINARY_CODES[op], h.put(a), h.put(b), y, 2, h.put(new Int32Array([3, n, 5, 2, 0, 3])));
        const want = new Float64Array(3 * n);
        for (let r = 0; r < 3; r++) for (let i = 0; i < n; i++) want[r * n + i] = binaryRef(op, [a[5 * r + 2 * i]], [], [b[3 * i]], []).data[0];
        checkExact(h.getF32(y, 3 * n), want, `${op} strided n=${n}`, [3, n], build);
        // Both inputs constant along the row (strides 0, 0): a fill.
        h.call('binaryF32', BINARY_CODES[op], h.put(a), h.put(b), y, 2, h.put(new Int32Array([3, n, 1, 0, 0, 0])));
        for (let r = 0; r < 3; r++) for (let i = 0; i < n; i++) want[r * n + i] = binaryRef(op, [a[r]], [], [b[0]], []).data[0];
        checkExact(h.getF32(y, 3 * n), want, `${op} fill n=${n}`, [3, n], build);
      }
    }
  });
}

test('binary: opdefs registered and codes mirror the kernel', () => {
  const h = makeHarness('scalar');
  for (const op of BINARY_NAMES) {
    assert.is(getOpDef(op, {}), DEFS[op]);
    assert.is(DEFS[op].memory, 'inplace');
    assert.is(h.k[`BIN_${op.toUpperCase()}`] instanceof WebAssembly.Global ? (h.k[`BIN_${op.toUpperCase()}`] as WebAssembly.Global).value : NaN, BINARY_CODES[op], `BIN_${op.toUpperCase()}`);
  }
});

test('binary: broadcastShape, broadcastStrides and collapseDims', () => {
  const rng = makeRng(15);
  for (let i = 0; i < 200; i++) {
    const a = Array.from({ length: rng.int(0, 4) }, () => rng.int(1, 3));
    const b = Array.from({ length: rng.int(0, 4) }, () => rng.int(1, 3));
    const want = broadcastRef(a, b);
    if (want) assert.equal(broadcastShape(a, b), want, `[${a}] x [${b}]`);
    else assert.throws(() => broadcastShape(a, b), /MODEL_SHAPE_MISMATCH/, `[${a}] x [${b}]`);
  }
  assert.equal(broadcastStrides([3, 1], [2, 3, 4]), [0, 1, 0]);
  assert.equal(broadcastStrides([2, 3, 4], [2, 3, 4]), [12, 4, 1]);
  // Channels-last bias: [N, L, C] + [C] is rows of C restarting b.
  assert.equal(describeBinary([2, 5, 8], [8], [2, 5, 8]), { shape: [10, 8], strides: [[8, 1], [0, 1]] });
  assert.equal(describeBinary([2, 5, 8], [], [2, 5, 8]), { shape: [80], strides: [[1], [0]] });
  assert.equal(describeBinary([2, 1, 5], [2, 7, 1], [2, 7, 5]), { shape: [2, 7, 5], strides: [[5, 0, 1], [7, 1, 0]] });
  assert.equal(collapseDims([1, 1], [[1, 1]]), { shape: [1], strides: [[1]] });
  assert.equal(collapseDims([4, 1, 3], [[3, 3, 1], [0, 0, 0]]), { shape: [12], strides: [[1], [0]] });
});

function throwsCode(fn: () => unknown, code: ErrorCode, field: string, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: threw a non-TinysenseError ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    assert.is(e.where.field, field, `${label}: field in ${e.message}`);
    assert.ok(e.where.op?.includes('n1'), `${label}: names the op in ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: did not throw ${code}`);
}

test('binary: infer and its errors', () => {
  const f32 = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
  const where = { op: 'n1 (add)' };
  assert.equal(addOp.infer([f32([2, 1, 5]), f32([7, 1])], {}, where), [{ shape: [2, 7, 5], dtype: 'f32' }]);
  assert.equal(divOp.infer([f32([]), f32([3])], {}, where), [{ shape: [3], dtype: 'f32' }]);
  throwsCode(() => addOp.infer([f32([2, 3]), f32([4])], {}, where), 'MODEL_SHAPE_MISMATCH', 'inputs', 'incompatible broadcast');
  throwsCode(() => mulOp.infer([f32([2, 3, 5]), f32([2, 1, 4])], {}, where), 'MODEL_SHAPE_MISMATCH', 'inputs', 'incompatible inner dim');
  throwsCode(() => subOp.infer([f32([2]), undefined], {}, where), 'MODEL_SHAPE_MISMATCH', 'inputs', 'missing input');
  throwsCode(() => maxOp.infer([f32([2]), { shape: [2], dtype: 'i8' }], {}, where), 'MODEL_TENSOR', 'b', 'i8 input');
  // Alternating broadcast dims do not merge: 8 dims after merging > 6.
  throwsCode(() => minOp.infer([f32([2, 1, 2, 1, 2, 1, 2, 1]), f32([1, 2, 1, 2, 1, 2, 1, 2])], {}, where), 'MODEL_SHAPE_MISMATCH', 'inputs', 'rank after merging');
});

test.run();
