// maxPool2dF32 / avgPool2dF32 / meanF32 against the f64 reference on both
// builds, and the host pool ops (shapes, attribute errors, their records).
import { test } from 'uvu';
import { encodeRecords } from '../../src/schedule/compile.ts';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { avgPool2dRef, maxPool2dRef, meanRef, poolOutputSize, samePads, type PoolRefGeometry } from '../reference/pool.ts';
import { OP_REGISTRY } from '../../src/ops/registry.ts';
import type { OpDef, OpRecord, ShapeInfo } from '../../src/ops/types.ts';
import type { Attrs } from '../../src/graph/model.ts';
import { isTinysenseError } from '../../src/errors.ts';

// Channel counts below, at and above the 4-lane vector, and not multiples of it.
const CHANNELS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16];

type Padding = 'valid' | 'same' | 'explicit';

interface Case {
  g: PoolRefGeometry;
  ceilMode: boolean;
  padding: Padding;
}

/** A random pooling geometry whose windows all overlap the input (as the host guarantees). */
function randomCase(rng: Rng, oneD: boolean): Case {
  const padding = rng.pick<Padding>(['valid', 'same', 'explicit']);
  const ceilMode = padding !== 'same' && rng.next() < 0.5;
  const axis = (size: number) => {
    const k = rng.int(1, Math.min(4, size + 2));
    const s = rng.pick([1, 1, 2, 3]);
    let pads: [number, number] = [0, 0];
    if (padding === 'same') pads = samePads(size, k, s);
    if (padding === 'explicit') pads = [rng.int(0, k - 1), rng.int(0, k - 1)];
    return { k, s, pads };
  };
  for (;;) {
    const h = oneD ? 1 : rng.int(1, 9);
    const w = rng.int(1, 11);
    const ay = oneD ? { k: 1, s: 1, pads: [0, 0] as [number, number] } : axis(h);
    const ax = axis(w);
    if (h + ay.pads[0] + ay.pads[1] < ay.k || w + ax.pads[0] + ax.pads[1] < ax.k) continue;
    const g: PoolRefGeometry = {
      n: rng.int(1, 2), h, w, c: rng.pick(CHANNELS), kh: ay.k, kw: ax.k, sh: ay.s, sw: ax.s,
      padTop: ay.pads[0], padLeft: ax.pads[0], padBottom: ay.pads[1], padRight: ax.pads[1],
    };
    return { g, ceilMode, padding };
  }
}

function runPool(h: KernelHarness, kind: 'max' | 'avg', x: Float32Array, g: PoolRefGeometry, oh: number, ow: number, countIncludePad: boolean): Float32Array {
  const count = g.n * oh * ow * g.c;
  const y = h.alloc(count * 4);
  const common = [h.put(x), g.n, g.h, g.w, g.c, y, oh, ow, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft];
  if (kind === 'max') h.call('maxPool2dF32', ...common);
  else h.call('avgPool2dF32', ...common, g.padBottom, g.padRight, countIncludePad ? 1 : 0);
  return h.getF32(y, count);
}

const describe = (c: Case) => `${c.padding}${c.ceilMode ? ' ceil' : ''} k${c.g.kh}x${c.g.kw} s${c.g.sh}x${c.g.sw} pads ${c.g.padTop},${c.g.padLeft},${c.g.padBottom},${c.g.padRight}`;

for (const build of BUILDS) {
  test(`pool: random geometries, max and avg (count pads or not), ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(20);
    for (let t = 0; t < 120; t++) {
      h.reset();
      const c = randomCase(rng, t % 3 === 0);
      const { g } = c;
      const x = rng.floats(g.n * g.h * g.w * g.c, 4);
      const shape = [g.n, g.h, g.w, g.c];
      const ref = maxPool2dRef(x, g, c.ceilMode);
      assertClose(runPool(h, 'max', x, g, ref.oh, ref.ow, false), ref.y, { rtol: 0, label: `maxPool ${describe(c)}`, shape, build });
      for (const cip of [false, true]) {
        const want = avgPool2dRef(x, g, cip, c.ceilMode);
        assertClose(runPool(h, 'avg', x, g, want.oh, want.ow, cip), want.y, {
          rtol: sumTolerance(g.kh * g.kw), label: `avgPool cip=${cip} ${describe(c)}`, shape, build,
        });
      }
    }
  });

  test(`pool: padded taps never reach the max; ceil overhang not counted, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(21);
    // All inputs negative: a padded tap read as 0 would win the max.
    const g: PoolRefGeometry = { n: 2, h: 5, w: 6, c: 7, kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 2, padBottom: 2, padRight: 1 };
    const x = rng.floats(g.n * g.h * g.w * g.c, 50).map((v) => -Math.abs(v) - 100);
    for (const ceilMode of [false, true]) {
      const ref = maxPool2dRef(x, g, ceilMode);
      const got = runPool(h, 'max', x, g, ref.oh, ref.ow, false);
      assert.ok(got.every((v) => v <= -100), `max pool read a padded tap (${build})`);
      assertClose(got, ref.y, { rtol: 0, label: `maxPool negative ceil=${ceilMode}`, build });
      for (const cip of [false, true]) {
        const want = avgPool2dRef(x, g, cip, ceilMode);
        assertClose(runPool(h, 'avg', x, g, want.oh, want.ow, cip), want.y, { rtol: sumTolerance(9), label: `avgPool cip=${cip} ceil=${ceilMode}`, build });
      }
    }
    // 5 wide, k 2, s 2, ceil: the last window has one input tap and one
    // overhang tap; with count_include_pad the divisor is still 1.
    const g1: PoolRefGeometry = { n: 1, h: 1, w: 5, c: 1, kh: 1, kw: 2, sh: 1, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
    const x1 = new Float32Array([1, 2, 3, 4, 10]);
    assert.equal(Array.from(runPool(h, 'avg', x1, g1, 1, 3, true)), [1.5, 3.5, 10], `ceil overhang (${build})`);
  });

  test(`pool: whole-image window, identity window, 1-sized dims, large values, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(22);
    const cases: PoolRefGeometry[] = [
      { n: 3, h: 4, w: 5, c: 9, kh: 4, kw: 5, sh: 1, sw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 },
      { n: 1, h: 3, w: 3, c: 5, kh: 1, kw: 1, sh: 1, sw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 },
      { n: 1, h: 1, w: 1, c: 1, kh: 1, kw: 1, sh: 1, sw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 },
      { n: 1, h: 1, w: 1, c: 6, kh: 2, kw: 2, sh: 2, sw: 2, padTop: 1, padLeft: 1, padBottom: 0, padRight: 0 },
      { n: 2, h: 8, w: 1, c: 4, kh: 3, kw: 1, sh: 2, sw: 1, padTop: 1, padLeft: 0, padBottom: 1, padRight: 0 },
    ];
    for (const g of cases) {
      h.reset();
      const x = rng.floats(g.n * g.h * g.w * g.c, 1e30);
      const ref = maxPool2dRef(x, g);
      assertClose(runPool(h, 'max', x, g, ref.oh, ref.ow, false), ref.y, { rtol: 0, label: 'maxPool edge', shape: [g.n, g.h, g.w, g.c], build });
      for (const cip of [false, true]) {
        const want = avgPool2dRef(x, g, cip);
        assertClose(runPool(h, 'avg', x, g, want.oh, want.ow, cip), want.y, {
          rtol: sumTolerance(g.kh * g.kw), label: `avgPool edge cip=${cip}`, shape: [g.n, g.h, g.w, g.c], build,
        });
      }
    }
  });

  test(`mean: [outer, len, inner] views, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(23);
    const shapes: [number, number, number][] = [
      [1, 1, 1], [1, 7, 1], [3, 16, 1], [2, 33, 1], [1, 1, 5], [2, 49, 3], [1, 10, 4], [4, 5, 16], [2, 100, 9], [1, 1000, 8], [5, 3, 1000],
    ];
    for (let t = 0; t < 10; t++) shapes.push([rng.int(1, 4), rng.int(1, 40), rng.int(1, 20)]);
    for (const [outer, len, inner] of shapes) {
      h.reset();
      const x = rng.floats(outer * len * inner, 3);
      const y = h.alloc(outer * inner * 4);
      h.call('meanF32', h.put(x), outer, len, inner, y);
      assertClose(h.getF32(y, outer * inner), meanRef(x, outer, len, inner), { rtol: sumTolerance(len), atol: 1e-7, label: 'mean', shape: [outer, len, inner], build });
    }
  });
}

// ---- host ops ----

const where = { op: 'p (pool)' };
const info = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
const def = (type: string): OpDef => {
  const d = OP_REGISTRY.get(type);
  if (!d) throw new Error(`${type} is not registered`);
  return d;
};
const inferShape = (type: string, shape: number[], attrs: Attrs) => def(type).infer([info(shape)], attrs, where)[0].shape;

function assertThrows(code: string, field: string | undefined, fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: not a TinysenseError: ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    if (field) assert.is(e.where.field, field, `${label}: field in ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: did not throw ${code}`);
}

test('pool ops: inferred shapes follow the ONNX output-size rules', () => {
  const rng = makeRng(24);
  for (let t = 0; t < 60; t++) {
    const c = randomCase(rng, t % 2 === 0);
    const { g } = c;
    const oneD = g.h === 1 && g.kh === 1 && t % 2 === 0;
    const attrs: Attrs = {
      kernel: oneD ? [g.kw] : [g.kh, g.kw], strides: oneD ? [g.sw] : [g.sh, g.sw], padding: c.padding, ceilMode: c.ceilMode ? 1 : 0,
    };
    if (c.padding === 'explicit') attrs.pads = oneD ? [g.padLeft, g.padRight] : [g.padTop, g.padLeft, g.padBottom, g.padRight];
    const oh = poolOutputSize(g.h, g.kh, g.sh, g.padTop, g.padBottom, c.ceilMode);
    const ow = poolOutputSize(g.w, g.kw, g.sw, g.padLeft, g.padRight, c.ceilMode);
    for (const type of oneD ? ['maxPool1d', 'avgPool1d'] : ['maxPool2d', 'avgPool2d']) {
      const got = oneD ? inferShape(type, [g.n, g.w, g.c], attrs) : inferShape(type, [g.n, g.h, g.w, g.c], attrs);
      assert.equal(got, oneD ? [g.n, ow, g.c] : [g.n, oh, ow, g.c], `${type} ${describe(c)} input ${g.h}x${g.w}`);
    }
  }
  // Strides default to the kernel; 'same' gives ceil(size / stride).
  assert.equal(inferShape('maxPool2d', [1, 7, 9, 3], { kernel: [2, 3] }), [1, 3, 3, 3]);
  assert.equal(inferShape('avgPool2d', [2, 7, 9, 3], { kernel: [3, 3], strides: [2, 2], padding: 'same' }), [2, 4, 5, 3]);
  assert.equal(inferShape('maxPool1d', [2, 10, 5], { kernel: [3], strides: [2], ceilMode: 1 }), [2, 5, 5]);
  assert.equal(inferShape('globalAvgPool', [2, 5, 6, 7], {}), [2, 7]);
  assert.equal(inferShape('globalAvgPool', [2, 50, 7], {}), [2, 7]);
  assert.equal(inferShape('mean', [2, 50, 7], { axes: [1] }), [2, 7]);
  assert.equal(inferShape('mean', [2, 5, 6, 7], { axes: [2, 1], keepDims: 1 }), [2, 1, 1, 7]);
  assert.equal(inferShape('mean', [2, 5, 6, 7], { axes: [-1] }), [2, 5, 6]);
  assert.is(def('maxPool2d').macs({ op: { type: 'maxPool2d', name: 'p', inputs: [], outputs: [], attrs: { kernel: [2, 3] } }, ins: [info([1, 7, 9, 3])], outs: [info([1, 3, 3, 3])], attrs: { kernel: [2, 3] } }), 27 * 6);
});

test('pool ops: bad attributes and shapes throw with the field', () => {
  const x4 = [1, 6, 6, 3];
  const cases: [string, number[], Attrs, string, string | undefined][] = [
    ['maxPool2d', x4, {}, 'MODEL_ATTRIBUTE', 'kernel'],
    ['maxPool2d', x4, { kernel: [0, 2] }, 'MODEL_ATTRIBUTE', 'kernel'],
    ['maxPool2d', x4, { kernel: [2] }, 'MODEL_ATTRIBUTE', 'kernel'],
    ['maxPool2d', x4, { kernel: [2, 2], strides: [1] }, 'MODEL_ATTRIBUTE', 'strides'],
    ['maxPool2d', x4, { kernel: [2, 2], strides: [0, 1] }, 'MODEL_ATTRIBUTE', 'strides'],
    ['avgPool2d', x4, { kernel: [2, 2], padding: 'full' }, 'MODEL_ATTRIBUTE', 'padding'],
    ['avgPool2d', x4, { kernel: [2, 2], pads: [1, 1, 1, 1] }, 'MODEL_ATTRIBUTE', 'pads'],
    ['avgPool2d', x4, { kernel: [2, 2], padding: 'explicit' }, 'MODEL_ATTRIBUTE', 'pads'],
    ['avgPool2d', x4, { kernel: [2, 2], padding: 'explicit', pads: [1, 1] }, 'MODEL_ATTRIBUTE', 'pads'],
    ['avgPool2d', x4, { kernel: [2, 2], padding: 'explicit', pads: [2, 0, 0, 0] }, 'MODEL_ATTRIBUTE', 'pads'],
    ['avgPool2d', x4, { kernel: [2, 2], padding: 'explicit', pads: [0, -1, 0, 0] }, 'MODEL_ATTRIBUTE', 'pads'],
    ['avgPool2d', x4, { kernel: [2, 2], countIncludePad: 2 }, 'MODEL_ATTRIBUTE', 'countIncludePad'],
    ['maxPool1d', [1, 6, 3], { kernel: [2], ceilMode: 3 }, 'MODEL_ATTRIBUTE', 'ceilMode'],
    ['maxPool1d', [1, 6, 3], { kernel: [2, 2] }, 'MODEL_ATTRIBUTE', 'kernel'],
    ['maxPool1d', [1, 6, 3], { kernel: 'x' as unknown as number[] }, 'MODEL_ATTRIBUTE', 'kernel'],
    ['maxPool1d', x4, { kernel: [2] }, 'MODEL_SHAPE_MISMATCH', 'x'],
    ['maxPool2d', [1, 6, 3], { kernel: [2, 2] }, 'MODEL_SHAPE_MISMATCH', 'x'],
    ['maxPool2d', x4, { kernel: [7, 2] }, 'MODEL_SHAPE_MISMATCH', 'kernel'],
    ['globalAvgPool', [4, 3], {}, 'MODEL_SHAPE_MISMATCH', 'x'],
    ['mean', [2, 3, 4], {}, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [] }, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [0, 2] }, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [1, 1] }, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [3] }, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [-4] }, 'MODEL_ATTRIBUTE', 'axes'],
    ['mean', [2, 3, 4], { axes: [1], keepDims: 2 }, 'MODEL_ATTRIBUTE', 'keepDims'],
  ];
  for (const [type, shape, attrs, code, field] of cases) {
    assertThrows(code, field, () => def(type).infer([info(shape)], attrs, where), `${type} ${JSON.stringify(attrs)} on [${shape}]`);
  }
});

/** Runs an op's compiled records through runPlan, with input and output at the given addresses. */
function runRecords(h: KernelHarness, records: OpRecord[]): void {
  h.call('runPlan', h.put(encodeRecords(records)), records.length);
}

function runHostOp(h: KernelHarness, type: string, x: Float32Array, shape: number[], attrs: Attrs): { y: Float32Array; shape: number[] } {
  const d = def(type);
  const outs = d.infer([info(shape)], attrs, where);
  const compiled = d.compile({ op: { type, name: 'p', inputs: [0], outputs: [1], attrs }, ins: [info(shape)], outs, attrs });
  const xp = h.put(x);
  const count = outs[0].shape.reduce((a, b) => a * b, 1);
  const yp = h.alloc(count * 4);
  runRecords(h, compiled.records({ input: () => xp, output: () => yp, weight: () => 0, scratch: 0 }));
  return { y: h.getF32(yp, count), shape: outs[0].shape };
}

for (const build of BUILDS) {
  test(`pool ops: records run through runPlan match the reference, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(25);
    // maxPool1d, 'same', stride 2 on [N, L, C].
    let x = rng.floats(2 * 11 * 5);
    let r = runHostOp(h, 'maxPool1d', x, [2, 11, 5], { kernel: [4], strides: [2], padding: 'same' });
    const [l0, l1] = samePads(11, 4, 2);
    let g: PoolRefGeometry = { n: 2, h: 1, w: 11, c: 5, kh: 1, kw: 4, sh: 1, sw: 2, padTop: 0, padLeft: l0, padBottom: 0, padRight: l1 };
    assert.equal(r.shape, [2, 6, 5]);
    assertClose(r.y, maxPool2dRef(x, g).y, { rtol: 0, label: 'maxPool1d record', build });
    // avgPool2d, explicit pads, ceil mode, count_include_pad.
    x = rng.floats(1 * 7 * 6 * 9);
    r = runHostOp(h, 'avgPool2d', x, [1, 7, 6, 9], { kernel: [3, 2], strides: [2, 2], padding: 'explicit', pads: [1, 0, 2, 1], ceilMode: 1, countIncludePad: 1 });
    g = { n: 1, h: 7, w: 6, c: 9, kh: 3, kw: 2, sh: 2, sw: 2, padTop: 1, padLeft: 0, padBottom: 2, padRight: 1 };
    const want = avgPool2dRef(x, g, true, true);
    assert.equal(r.shape, [1, want.oh, want.ow, 9]);
    assertClose(r.y, want.y, { rtol: sumTolerance(6), label: 'avgPool2d record', build });
    // globalAvgPool and the means.
    x = rng.floats(2 * 5 * 6 * 7);
    r = runHostOp(h, 'globalAvgPool', x, [2, 5, 6, 7], {});
    assertClose(r.y, meanRef(x, 2, 30, 7), { rtol: sumTolerance(30), label: 'globalAvgPool record', build });
    r = runHostOp(h, 'mean', x, [2, 5, 6, 7], { axes: [1, 2], keepDims: 1 });
    assert.equal(r.shape, [2, 1, 1, 7]);
    assertClose(r.y, meanRef(x, 2, 30, 7), { rtol: sumTolerance(30), label: 'mean axes [1,2] record', build });
    r = runHostOp(h, 'mean', x, [2, 5, 6, 7], { axes: [-1] });
    assertClose(r.y, meanRef(x, 60, 7, 1), { rtol: sumTolerance(7), label: 'mean last axis record', build });
  });
}

test.run();
