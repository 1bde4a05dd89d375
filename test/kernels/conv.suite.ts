// conv2dF32 (and conv1d through it) against the f64 reference on both builds,
// plus the host OpDefs conv1d / conv2d: shape inference, errors, and a run
// through compile + run.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { conv2dRef, refWindow, type ConvShape, type PaddingSpec } from '../reference/conv.ts';
import { activationAbi, ALL_ACTIVATIONS, type ActivationSpec } from '../reference/activation.ts';
import { conv1dOp, conv2dOp, conv2dPackedBytes, conv2dScratchBytes, convAxis } from '../../src/ops/conv.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import type { Attrs } from '../../src/graph/model.ts';
import type { ShapeInfo } from '../../src/ops/types.ts';

interface ConvCase {
  n: number; h: number; w: number; c: number; oc: number;
  kh: number; kw: number; sh?: number; sw?: number; dh?: number; dw?: number;
  padH?: PaddingSpec; padW?: PaddingSpec; groups?: number; bias?: boolean;
  act?: ActivationSpec;
}

const POISON = 0x7f7f7f7f;

function resolve(cs: ConvCase): ConvShape {
  const [sh, sw, dh, dw] = [cs.sh ?? 1, cs.sw ?? 1, cs.dh ?? 1, cs.dw ?? 1];
  const y = refWindow(cs.h, cs.kh, sh, dh, cs.padH ?? 'valid');
  const x = refWindow(cs.w, cs.kw, sw, dw, cs.padW ?? 'valid');
  return { n: cs.n, h: cs.h, w: cs.w, c: cs.c, oh: y.out, ow: x.out, kh: cs.kh, kw: cs.kw, sh, sw, dh, dw, padTop: y.padBegin, padLeft: x.padBegin };
}

function describe(cs: ConvCase): string {
  return JSON.stringify({ ...cs, act: cs.act?.kind });
}

/** Packs, runs conv2dF32 and checks it against the reference; returns the scratch bytes used. */
function checkConv(h: KernelHarness, rng: Rng, cs: ConvCase): number {
  h.reset();
  const s = resolve(cs);
  const groups = cs.groups ?? 1;
  const cg = s.c / groups;
  const x = rng.floats(s.n * s.h * s.w * s.c);
  const wt = rng.floats(s.kh * s.kw * cg * cs.oc);
  const bias = cs.bias === false ? null : rng.floats(cs.oc);
  const act = cs.act ?? { kind: 'none' };

  const packedBytes = h.call('conv2dPackedBytes', s.kh, s.kw, cg, cs.oc, groups);
  assert.is(packedBytes, conv2dPackedBytes(s.kh, s.kw, cg, cs.oc, groups), `host mirror of conv2dPackedBytes ${describe(cs)}`);
  const packed = h.alloc(packedBytes);
  h.call('packConv2dF32', h.put(wt), bias ? h.put(bias) : 0, packed, s.kh, s.kw, cg, cs.oc, groups);

  const geo: Parameters<typeof conv2dScratchBytes> = [s.n, s.h, s.w, s.c, s.oh, s.ow, cs.oc, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.padTop, s.padLeft, groups];
  const scratchBytes = h.call('conv2dScratchBytes', ...geo);
  assert.is(scratchBytes, conv2dScratchBytes(...geo), `host mirror of conv2dScratchBytes ${describe(cs)}`);
  const scratch = h.alloc(scratchBytes);

  const count = s.n * s.oh * s.ow * cs.oc;
  const xPtr = h.put(x);
  const y = h.alloc((count + 4) * 4);
  const [code, p0, p1] = activationAbi(act);
  h.call('conv2dF32', xPtr, s.n, s.h, s.w, s.c, packed, y, s.oh, s.ow, cs.oc, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.padTop, s.padLeft, groups, code, p0, p1, scratch);

  const guard = new Int32Array(h.k.memory.buffer, y + count * 4, 4);
  assert.ok(guard.every((v) => v === POISON), `conv2d wrote past its output ${describe(cs)} build ${h.build}`);
  const want = conv2dRef(x, wt, bias, s, cs.oc, groups, act);
  const k = s.kh * s.kw * cg;
  assertClose(h.getF32(y, count), want, {
    rtol: sumTolerance(k) * (act.kind === 'none' ? 1 : 4), atol: 1e-6,
    label: `conv2d ${describe(cs)}`, shape: [s.n, s.oh, s.ow, cs.oc], build: h.build,
  });
  return scratchBytes;
}

// Hand-picked shapes: each names the path or corner it exercises.
const CASES: ConvCase[] = [
  // 1x1, stride 1, no padding: the GEMM straight on x (no scratch).
  { n: 1, h: 5, w: 7, c: 13, oc: 17, kh: 1, kw: 1 },
  { n: 2, h: 25, w: 5, c: 64, oc: 64, kh: 1, kw: 1 },
  { n: 1, h: 1, w: 1, c: 1, oc: 1, kh: 1, kw: 1 },
  { n: 2, h: 3, w: 4, c: 8, oc: 12, kh: 1, kw: 1, groups: 4 },
  // 1x1 off the fast path: stride 2, and bottom/right-only padding (oh > h).
  { n: 1, h: 7, w: 6, c: 5, oc: 9, kh: 1, kw: 1, sh: 2, sw: 2 },
  { n: 1, h: 3, w: 3, c: 4, oc: 6, kh: 1, kw: 1, padH: [0, 1], padW: [0, 2] },
  // 3x3 in every padding mode, channels not multiples of 4.
  { n: 1, h: 6, w: 5, c: 3, oc: 8, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 6, w: 5, c: 3, oc: 8, kh: 3, kw: 3 },
  { n: 1, h: 6, w: 5, c: 3, oc: 7, kh: 3, kw: 3, padH: [2, 0], padW: [1, 3] },
  // Stride 2 with 'same' on even sizes: the odd pad goes at the end.
  { n: 1, h: 8, w: 6, c: 5, oc: 9, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same' },
  { n: 1, h: 9, w: 7, c: 2, oc: 4, kh: 4, kw: 2, sh: 2, sw: 3, padH: 'same', padW: 'same' },
  // Dilation 2.
  { n: 1, h: 9, w: 8, c: 3, oc: 5, kh: 3, kw: 3, dh: 2, dw: 2 },
  { n: 1, h: 7, w: 7, c: 4, oc: 8, kh: 3, kw: 2, dh: 2, dw: 3, padH: 'same', padW: 'same' },
  // Groups 2 and 4, and depthwise expressed as groups = c (multiplier 2).
  { n: 1, h: 5, w: 6, c: 6, oc: 10, kh: 3, kw: 3, groups: 2, padH: 'same', padW: 'same' },
  { n: 2, h: 5, w: 5, c: 8, oc: 8, kh: 3, kw: 3, groups: 4, sh: 2, sw: 2, padH: 'same', padW: 'same' },
  { n: 1, h: 6, w: 5, c: 5, oc: 10, kh: 3, kw: 3, groups: 5, padH: 'same', padW: 'same' },
  { n: 1, h: 4, w: 4, c: 12, oc: 12, kh: 3, kw: 3, groups: 12, padH: [1, 1], padW: [1, 1] },
  // Batch 2.
  { n: 2, h: 6, w: 6, c: 4, oc: 16, kh: 3, kw: 3, padH: 'same', padW: 'same', bias: false },
  // conv1d as h = 1: DeepSense-style 20 samples x 3 channels -> 64, kernel 5.
  { n: 1, h: 1, w: 20, c: 3, oc: 64, kh: 1, kw: 5 },
  { n: 2, h: 1, w: 20, c: 3, oc: 13, kh: 1, kw: 5, sw: 2, padW: 'same' },
  { n: 1, h: 1, w: 11, c: 6, oc: 6, kh: 1, kw: 3, dw: 2, groups: 3, padW: [4, 1] },
  // Kernel larger than the input, with padding (some outputs see only padding).
  { n: 1, h: 2, w: 3, c: 3, oc: 5, kh: 5, kw: 5, padH: 'same', padW: 'same' },
  { n: 1, h: 2, w: 2, c: 2, oc: 3, kh: 3, kw: 4, padH: [3, 3], padW: [4, 2] },
  // DS-CNN first layer: 49x10x1 -> 64, kernel 10x4, stride 2, 'same'.
  { n: 1, h: 49, w: 10, c: 1, oc: 64, kh: 10, kw: 4, sh: 2, sw: 2, padH: 'same', padW: 'same' },
  // Several im2col tiles (k = 576 -> 28-pixel tiles) with a short last tile.
  { n: 1, h: 10, w: 10, c: 64, oc: 9, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  // k > the tile budget: the tile shrinks to the GEMM's 4 rows.
  { n: 1, h: 3, w: 3, c: 700, oc: 3, kh: 5, kw: 5, padH: 'same', padW: 'same' },
  // Patches read in place (SIMD, groups 1, unit column dilation, kw*c >= 16):
  // batch 2 with both border columns and a partial panel; the run length just
  // at the gate; row dilation; stride 2 with a fused activation; output rows
  // whose window sees no input row; no column inside (all border); one
  // inside column; DeepSense's conv1d rows (14 = 4+4+4+2 GEMM rows).
  { n: 2, h: 6, w: 7, c: 8, oc: 13, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 5, w: 9, c: 4, oc: 9, kh: 2, kw: 4, padH: [1, 0], padW: [2, 1] },
  { n: 1, h: 9, w: 8, c: 6, oc: 5, kh: 3, kw: 3, dh: 2, padH: [2, 2], padW: 'same' },
  { n: 1, h: 8, w: 9, c: 8, oc: 16, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same', act: { kind: 'relu' } },
  { n: 1, h: 2, w: 6, c: 8, oc: 4, kh: 3, kw: 3, padH: [4, 4], padW: [1, 1], act: { kind: 'tanh' } },
  { n: 1, h: 3, w: 2, c: 8, oc: 5, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 4, w: 5, c: 8, oc: 8, kh: 3, kw: 3, sw: 3, padH: 'same', padW: [1, 1], bias: false },
  { n: 3, h: 1, w: 16, c: 64, oc: 64, kh: 1, kw: 3, act: { kind: 'relu' } },
];

function randomCase(rng: Rng): ConvCase {
  const groups = rng.pick([1, 1, 1, 2, 3, 4]);
  const kh = rng.int(1, 4);
  const kw = rng.int(1, 4);
  const pad = (): PaddingSpec => rng.pick<PaddingSpec>(['valid', 'same', [rng.int(0, 3), rng.int(0, 3)]]);
  for (;;) {
    const cs: ConvCase = {
      n: rng.int(1, 2), h: rng.int(1, 9), w: rng.int(1, 9), c: groups * rng.int(1, 6), oc: groups * rng.int(1, 7),
      kh, kw, sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.int(1, 2), dw: rng.int(1, 2),
      padH: pad(), padW: pad(), groups, bias: rng.next() < 0.8,
    };
    const s = resolve(cs);
    if (s.oh >= 1 && s.ow >= 1) return cs;
  }
}

for (const build of BUILDS) {
  test(`conv2d: hand-picked shapes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(11);
    const scratch = CASES.map((cs) => checkConv(h, rng, cs));
    // The pointwise path needs no scratch; im2col stays within its tile budget.
    assert.is(scratch[0], 0);
    assert.is(scratch[3], 0);
    assert.ok(scratch[4] > 0 && scratch[5] > 0, '1x1 off the fast path uses im2col');
    for (const b of scratch) assert.ok(b <= 64 * 1024 || b === 4 * 5 * 5 * 700 * 4, `scratch ${b} bytes over budget`);
  });

  test(`conv2d: random shapes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(12);
    for (let i = 0; i < 60; i++) checkConv(h, rng, randomCase(rng));
  });

  test(`conv2d: fused activations, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(13);
    for (const act of ALL_ACTIVATIONS) {
      checkConv(h, rng, { n: 1, h: 4, w: 3, c: 5, oc: 11, kh: 1, kw: 1, act });
      checkConv(h, rng, { n: 1, h: 5, w: 4, c: 3, oc: 6, kh: 3, kw: 3, padH: 'same', padW: 'same', act });
      checkConv(h, rng, { n: 1, h: 4, w: 4, c: 4, oc: 6, kh: 2, kw: 2, groups: 2, act });
    }
  });

  test(`conv1d / conv2d ops: compile and run through run.ts, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(14);
    // conv2d, 'same', stride 2, groups 2, relu6.
    {
      h.reset();
      const x = rng.floats(2 * 7 * 6 * 4);
      const w = rng.floats(3 * 3 * 2 * 6);
      const b = rng.floats(6);
      const attrs: Attrs = { strides: [2, 2], padding: 'same', groups: 2, activation: 'relu6' };
      const r = runHostOp(h, conv2dOp, [{ shape: [2, 7, 6, 4], data: x }, { shape: [3, 3, 2, 6], data: w, constant: true }, { shape: [6], data: b, constant: true }], attrs);
      assert.equal(r.shape, [2, 4, 3, 6]);
      const s = resolve({ n: 2, h: 7, w: 6, c: 4, oc: 6, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same' });
      assertClose(r.data, conv2dRef(x, w, b, s, 6, 2, { kind: 'clip', min: 0, max: 6 }), { rtol: sumTolerance(18), atol: 1e-6, label: 'conv2d op', build });
      assert.is(r.macs, 2 * 4 * 3 * 6 * 3 * 3 * 2);
    }
    // conv1d, explicit pads, dilation 2, no bias.
    {
      h.reset();
      const x = rng.floats(1 * 20 * 3);
      const w = rng.floats(5 * 3 * 8);
      const attrs: Attrs = { dilations: [2], padding: 'explicit', pads: [3, 1] };
      const r = runHostOp(h, conv1dOp, [{ shape: [1, 20, 3], data: x }, { shape: [5, 3, 8], data: w, constant: true }, undefined], attrs);
      assert.equal(r.shape, [1, 16, 8]);
      const s: ConvShape = { n: 1, h: 1, w: 20, c: 3, oh: 1, ow: 16, kh: 1, kw: 5, sh: 1, sw: 1, dh: 1, dw: 2, padTop: 0, padLeft: 3 };
      assertClose(r.data, conv2dRef(x, w, null, s, 8, 1), { rtol: sumTolerance(15), atol: 1e-6, label: 'conv1d op', build });
      assert.is(r.macs, 16 * 8 * 5 * 3);
    }
    // 1x1 conv2d: the pointwise path, no scratch.
    {
      h.reset();
      const x = rng.floats(25 * 5 * 6);
      const w = rng.floats(6 * 10);
      const r = runHostOp(h, conv2dOp, [{ shape: [1, 25, 5, 6], data: x }, { shape: [1, 1, 6, 10], data: w, constant: true }], {});
      assert.is(r.scratchBytes, 0);
      const s: ConvShape = { n: 1, h: 25, w: 5, c: 6, oh: 25, ow: 5, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0 };
      assertClose(r.data, conv2dRef(x, w, null, s, 10, 1), { rtol: sumTolerance(6), atol: 1e-6, label: 'conv2d 1x1 op', build });
    }
  });
}

const f32 = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
const where = { op: 'c (conv2d)' };

test('convAxis: output sizes and pads of every padding mode', () => {
  assert.equal(convAxis(10, 3, 1, 1, 'valid'), { out: 8, padBegin: 0, padEnd: 0 });
  assert.equal(convAxis(10, 3, 1, 1, 'same'), { out: 10, padBegin: 1, padEnd: 1 });
  // Even total pad splits evenly; odd total puts the extra at the end.
  assert.equal(convAxis(10, 4, 1, 1, 'same'), { out: 10, padBegin: 1, padEnd: 2 });
  assert.equal(convAxis(10, 3, 2, 1, 'same'), { out: 5, padBegin: 0, padEnd: 1 });
  assert.equal(convAxis(49, 10, 2, 1, 'same'), { out: 25, padBegin: 4, padEnd: 5 });
  assert.equal(convAxis(7, 3, 1, 2, 'same'), { out: 7, padBegin: 2, padEnd: 2 });
  assert.equal(convAxis(5, 1, 3, 1, 'same'), { out: 2, padBegin: 0, padEnd: 0 });
  assert.equal(convAxis(10, 3, 3, 1, 'explicit', 2, 1), { out: 4, padBegin: 2, padEnd: 1 });
  assert.equal(convAxis(9, 3, 1, 2, 'valid'), { out: 5, padBegin: 0, padEnd: 0 });
  assert.ok(convAxis(2, 5, 1, 1, 'valid').out <= 0);
});

test('conv2d / conv1d infer: padding modes', () => {
  const x = f32([2, 9, 8, 6]);
  const w = f32([3, 3, 6, 16]);
  assert.equal(conv2dOp.infer([x, w, undefined], {}, where)[0].shape, [2, 7, 6, 16]);
  assert.equal(conv2dOp.infer([x, w, undefined], { padding: 'same' }, where)[0].shape, [2, 9, 8, 16]);
  assert.equal(conv2dOp.infer([x, w, f32([16])], { padding: 'same', strides: [2, 2] }, where)[0].shape, [2, 5, 4, 16]);
  assert.equal(conv2dOp.infer([x, w, undefined], { padding: 'explicit', pads: [0, 1, 2, 3] }, where)[0].shape, [2, 9, 10, 16]);
  assert.equal(conv2dOp.infer([x, w, undefined], { dilations: [2, 3] }, where)[0].shape, [2, 5, 2, 16]);
  assert.equal(conv2dOp.infer([x, f32([3, 3, 2, 15]), undefined], { groups: 3 }, where)[0].shape, [2, 7, 6, 15]);
  assert.equal(conv2dOp.infer([f32([1, 2, 3, 3]), f32([5, 5, 3, 4]), undefined], { padding: 'same' }, where)[0].shape, [1, 2, 3, 4]);
  const x1 = f32([1, 20, 3]);
  assert.equal(conv1dOp.infer([x1, f32([5, 3, 64]), undefined], {}, where)[0].shape, [1, 16, 64]);
  assert.equal(conv1dOp.infer([x1, f32([5, 3, 64]), undefined], { padding: 'same', strides: [2] }, where)[0].shape, [1, 10, 64]);
  assert.equal(conv1dOp.infer([x1, f32([5, 3, 64]), undefined], { padding: 'explicit', pads: [2, 0] }, where)[0].shape, [1, 18, 64]);
});

function throwsCode(fn: () => unknown, code: ErrorCode, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: threw a non-TinysenseError ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: did not throw`);
}

test('conv2d / conv1d infer: bad attributes and shapes', () => {
  const x = f32([1, 8, 8, 6]);
  const w = f32([3, 3, 6, 4]);
  const bad2d: [Attrs, string][] = [
    [{ strides: [0, 1] }, 'stride 0'],
    [{ strides: [1] }, 'strides of the wrong length'],
    [{ dilations: [1, -1] }, 'negative dilation'],
    [{ padding: 'full' }, 'unknown padding'],
    [{ padding: 'explicit' }, 'explicit without pads'],
    [{ padding: 'explicit', pads: [1, 1] }, 'pads of the wrong length'],
    [{ padding: 'explicit', pads: [1, 1, -1, 0] }, 'negative pad'],
    [{ padding: 'same', pads: [1, 1, 1, 1] }, 'pads without explicit'],
    [{ groups: 0 }, 'groups 0'],
    [{ groups: 1.5 }, 'fractional groups'],
    [{ activation: 'swish' }, 'unknown activation'],
  ];
  for (const [attrs, label] of bad2d) throwsCode(() => conv2dOp.infer([x, w, undefined], attrs, where), 'MODEL_ATTRIBUTE', label);
  const shape = (ins: (ShapeInfo | undefined)[], attrs: Attrs, label: string) => throwsCode(() => conv2dOp.infer(ins, attrs, where), 'MODEL_SHAPE_MISMATCH', label);
  shape([x, w, undefined], { groups: 4 }, 'channels not divisible by groups');
  shape([x, f32([3, 3, 3, 5]), undefined], { groups: 2 }, 'output channels not divisible by groups');
  shape([x, f32([3, 3, 4, 4]), undefined], {}, 'weights vs input channels');
  shape([x, f32([3, 3, 6, 4]), undefined], { groups: 2 }, 'weights not C/groups');
  shape([x, w, f32([5])], {}, 'bias length');
  shape([x, w, f32([4, 1])], {}, 'bias rank');
  shape([f32([8, 8, 6]), w, undefined], {}, 'input rank');
  shape([x, f32([3, 6, 4]), undefined], {}, 'weights rank');
  shape([f32([1, 0, 8, 6]), w, undefined], {}, 'zero dimension');
  shape([x, f32([9, 3, 6, 4]), undefined], {}, 'kernel larger than the input, valid');
  shape([x, w, undefined], { dilations: [4, 1] }, 'dilated kernel larger than the input');
  throwsCode(() => conv1dOp.infer([f32([1, 20, 3]), f32([5, 3, 8]), undefined], { strides: [1, 1] }, where), 'MODEL_ATTRIBUTE', 'conv1d strides of length 2');
  throwsCode(() => conv1dOp.infer([f32([1, 20, 3]), f32([5, 3, 8]), undefined], { padding: 'explicit', pads: [1, 1, 1, 1] }, where), 'MODEL_ATTRIBUTE', 'conv1d pads of length 4');
  throwsCode(() => conv1dOp.infer([f32([1, 20, 3]), f32([3, 3, 5, 8]), undefined], {}, where), 'MODEL_SHAPE_MISMATCH', 'conv1d with 2-D weights');
  throwsCode(() => conv1dOp.infer([f32([1, 20, 3]), f32([5, 3, 8]), undefined], { groups: 3 }, where), 'MODEL_SHAPE_MISMATCH', 'conv1d weights not C/groups');
});

test.run();
