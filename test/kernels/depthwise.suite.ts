// depthwiseConv2dF32 (and depthwiseConv1d through it) against the f64
// reference on both builds, plus the host OpDefs: shape inference, errors,
// and a run through compile + run.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { refWindow, type ConvShape, type PaddingSpec } from '../reference/conv.ts';
import { depthwiseConv2dRef } from '../reference/depthwise.ts';
import { activationAbi, ALL_ACTIVATIONS, type ActivationSpec } from '../reference/activation.ts';
import { depthwiseConv1dOp, depthwiseConv2dOp } from '../../src/ops/depthwise.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import type { Attrs } from '../../src/graph/model.ts';
import type { ShapeInfo } from '../../src/ops/types.ts';

interface DwCase {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh?: number; sw?: number; dh?: number; dw?: number;
  padH?: PaddingSpec; padW?: PaddingSpec; multiplier?: number; bias?: boolean;
  act?: ActivationSpec;
}

const POISON = 0x7f7f7f7f;

function resolve(cs: DwCase): ConvShape {
  const [sh, sw, dh, dw] = [cs.sh ?? 1, cs.sw ?? 1, cs.dh ?? 1, cs.dw ?? 1];
  const y = refWindow(cs.h, cs.kh, sh, dh, cs.padH ?? 'valid');
  const x = refWindow(cs.w, cs.kw, sw, dw, cs.padW ?? 'valid');
  return { n: cs.n, h: cs.h, w: cs.w, c: cs.c, oh: y.out, ow: x.out, kh: cs.kh, kw: cs.kw, sh, sw, dh, dw, padTop: y.padBegin, padLeft: x.padBegin };
}

function describe(cs: DwCase): string {
  return JSON.stringify({ ...cs, act: cs.act?.kind });
}

function checkDepthwise(h: KernelHarness, rng: Rng, cs: DwCase): void {
  h.reset();
  const s = resolve(cs);
  const m = cs.multiplier ?? 1;
  const co = s.c * m;
  const x = rng.floats(s.n * s.h * s.w * s.c);
  const wt = rng.floats(s.kh * s.kw * co);
  const bias = cs.bias === false ? null : rng.floats(co);
  const act = cs.act ?? { kind: 'none' };
  const count = s.n * s.oh * s.ow * co;
  const xPtr = h.put(x);
  const wPtr = h.put(wt);
  const bPtr = bias ? h.put(bias) : 0;
  const y = h.alloc((count + 4) * 4);
  const [code, p0, p1] = activationAbi(act);
  h.call('depthwiseConv2dF32', xPtr, s.n, s.h, s.w, s.c, wPtr, bPtr, y, s.oh, s.ow, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.padTop, s.padLeft, m, code, p0, p1);
  const guard = new Int32Array(h.k.memory.buffer, y + count * 4, 4);
  assert.ok(guard.every((v) => v === POISON), `depthwise wrote past its output ${describe(cs)} build ${h.build}`);
  assertClose(h.getF32(y, count), depthwiseConv2dRef(x, wt, bias, s, m, act), {
    rtol: sumTolerance(s.kh * s.kw + 1) * (act.kind === 'none' ? 1 : 4), atol: 1e-6,
    label: `depthwise ${describe(cs)}`, shape: [s.n, s.oh, s.ow, co], build: h.build,
  });
}

// Channel counts around the 4- and 16-wide SIMD blocks, every padding mode.
const CASES: DwCase[] = [
  { n: 1, h: 25, w: 5, c: 64, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 6, w: 7, c: 1, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 6, w: 7, c: 3, kh: 3, kw: 3 },
  { n: 1, h: 5, w: 5, c: 4, kh: 3, kw: 3, padH: [2, 0], padW: [0, 2] },
  { n: 1, h: 5, w: 6, c: 7, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 5, w: 5, c: 16, kh: 2, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 4, w: 5, c: 21, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 3, w: 3, c: 35, kh: 1, kw: 1 },
  // Wide rows: four interior pixels at a time, then the leftovers.
  { n: 1, h: 4, w: 15, c: 7, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 3, w: 19, c: 10, kh: 2, kw: 3, sw: 2, dw: 2, padW: [1, 2] },
  // Stride 2 'same' on even sizes (odd pad at the end), dilation 2.
  { n: 1, h: 8, w: 8, c: 8, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same' },
  { n: 1, h: 9, w: 7, c: 5, kh: 3, kw: 3, dh: 2, dw: 2 },
  { n: 1, h: 9, w: 9, c: 6, kh: 3, kw: 3, dh: 2, dw: 2, padH: 'same', padW: 'same' },
  // Multipliers 2, 3 and 4 (lane gathers), with channels off the 4-grid.
  { n: 1, h: 5, w: 5, c: 3, kh: 3, kw: 3, multiplier: 2, padH: 'same', padW: 'same' },
  { n: 1, h: 5, w: 4, c: 5, kh: 3, kw: 3, multiplier: 3, padH: [1, 0], padW: [0, 1] },
  { n: 1, h: 4, w: 4, c: 2, kh: 2, kw: 2, multiplier: 4, sh: 2, sw: 2 },
  // Batch 2, no bias.
  { n: 2, h: 6, w: 5, c: 9, kh: 3, kw: 3, padH: 'same', padW: 'same', bias: false },
  // depthwiseConv1d as h = 1.
  { n: 1, h: 1, w: 20, c: 12, kh: 1, kw: 5, padW: 'same' },
  { n: 2, h: 1, w: 17, c: 6, kh: 1, kw: 3, sw: 2, dw: 2, multiplier: 2, padW: [3, 0] },
  // Kernel larger than the input with padding; outputs that see only padding.
  { n: 1, h: 2, w: 3, c: 5, kh: 5, kw: 5, padH: 'same', padW: 'same' },
  { n: 1, h: 2, w: 2, c: 4, kh: 3, kw: 3, padH: [4, 4], padW: [3, 5] },
  // 3x3 with channels % 4 == 0: the strip path (stride 1 along rows of >= 4
  // outputs, or down columns of >= 4) and, at stride 2 both ways, the
  // register path (>= 8 inside columns): no border, both borders, batch 2,
  // rows that see one input row only, h = 1, fused activations, and the
  // width just at / below the gate.
  { n: 1, h: 4, w: 12, c: 4, kh: 3, kw: 3 },
  { n: 2, h: 6, w: 12, c: 8, kh: 3, kw: 3, padH: 'same', padW: 'same', bias: false },
  { n: 1, h: 7, w: 21, c: 12, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same', act: { kind: 'relu' } },
  { n: 1, h: 3, w: 16, c: 4, kh: 3, kw: 3, padH: [2, 2], padW: [1, 2], act: { kind: 'clip', min: 0, max: 0.5 } },
  { n: 1, h: 1, w: 18, c: 16, kh: 3, kw: 3, padH: [1, 1], padW: 'same', act: { kind: 'sigmoid' } },
  { n: 1, h: 5, w: 10, c: 8, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 5, w: 9, c: 8, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  // 3x3 below the register path's width: stride 2 with batch 2, one input
  // column, columns whose taps are all outside, DS-CNN's layer with relu6.
  { n: 2, h: 7, w: 4, c: 8, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same', act: { kind: 'relu' } },
  { n: 1, h: 6, w: 1, c: 4, kh: 3, kw: 3, padH: 'same', padW: [1, 1], bias: false },
  { n: 1, h: 1, w: 3, c: 12, kh: 3, kw: 3, padH: [1, 1], padW: [2, 2], act: { kind: 'sigmoid' } },
  { n: 1, h: 25, w: 5, c: 64, kh: 3, kw: 3, padH: 'same', padW: 'same', act: { kind: 'clip', min: 0, max: 6 } },
  // Strip path edges: exactly one strip (ow = 4), a last strip overlapping
  // the one before (ow = 6, 7), more padding than input (w = 2 -> ow = 4),
  // vertical stride 2 with horizontal stride 1, 5 channel blocks, batch 2.
  { n: 1, h: 3, w: 4, c: 4, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 4, w: 6, c: 8, kh: 3, kw: 3, padW: [1, 2], act: { kind: 'relu' } },
  { n: 2, h: 5, w: 7, c: 20, kh: 3, kw: 3, padH: 'same', padW: 'same' },
  { n: 1, h: 3, w: 2, c: 12, kh: 3, kw: 3, padH: [1, 1], padW: [2, 2], bias: false },
  { n: 1, h: 9, w: 5, c: 16, kh: 3, kw: 3, sh: 2, padH: [2, 1], padW: 'same' },
  { n: 2, h: 1, w: 9, c: 4, kh: 3, kw: 3, padH: [1, 1], padW: [0, 3] },
  // Strips down the columns: tall and narrow (DS-CNN above), stride 2 across
  // only, a column of exactly 4, batch 2 with an activation.
  { n: 1, h: 11, w: 3, c: 8, kh: 3, kw: 3, sw: 2, padH: 'same', padW: [1, 1] },
  { n: 1, h: 4, w: 2, c: 4, kh: 3, kw: 3, padH: 'same', padW: [0, 1] },
  { n: 2, h: 9, w: 6, c: 12, kh: 3, kw: 3, padH: [2, 0], padW: 'same', act: { kind: 'relu' } },
];

// Random shapes on the strip path's gate (3x3, no dilation, multiplier 1,
// channels a multiple of 4, stride 1 one way): sizes 1..12, any padding.
function randomStripCase(rng: Rng): DwCase {
  for (;;) {
    const cs: DwCase = {
      n: rng.int(1, 2), h: rng.int(1, 12), w: rng.int(1, 12), c: 4 * rng.int(1, 6), kh: 3, kw: 3, sh: rng.int(1, 2), sw: rng.int(1, 2),
      padH: [rng.int(0, 2), rng.int(0, 2)], padW: [rng.int(0, 3), rng.int(0, 3)], bias: rng.next() < 0.8,
    };
    const s = resolve(cs);
    if (s.oh >= 1 && s.ow >= 1) return cs;
  }
}

function randomCase(rng: Rng): DwCase {
  const pad = (): PaddingSpec => rng.pick<PaddingSpec>(['valid', 'same', [rng.int(0, 3), rng.int(0, 3)]]);
  for (;;) {
    const cs: DwCase = {
      n: rng.int(1, 2), h: rng.int(1, 9), w: rng.int(1, 9), c: rng.int(1, 37),
      kh: rng.int(1, 4), kw: rng.int(1, 4), sh: rng.int(1, 3), sw: rng.int(1, 3), dh: rng.int(1, 2), dw: rng.int(1, 2),
      padH: pad(), padW: pad(), multiplier: rng.pick([1, 1, 1, 2, 3]), bias: rng.next() < 0.8,
    };
    const s = resolve(cs);
    if (s.oh >= 1 && s.ow >= 1) return cs;
  }
}

for (const build of BUILDS) {
  test(`depthwise: hand-picked shapes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(21);
    for (const cs of CASES) checkDepthwise(h, rng, cs);
  });

  test(`depthwise: random shapes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(22);
    for (let i = 0; i < 80; i++) checkDepthwise(h, rng, randomCase(rng));
    for (let i = 0; i < 40; i++) checkDepthwise(h, rng, randomStripCase(rng));
  });

  test(`depthwise: fused activations, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(23);
    for (const act of ALL_ACTIVATIONS) {
      checkDepthwise(h, rng, { n: 1, h: 4, w: 5, c: 19, kh: 3, kw: 3, padH: 'same', padW: 'same', act });
      checkDepthwise(h, rng, { n: 1, h: 3, w: 3, c: 3, kh: 2, kw: 2, multiplier: 2, act });
    }
  });

  test(`depthwise ops: compile and run through run.ts, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(24);
    {
      h.reset();
      const x = rng.floats(2 * 7 * 6 * 5);
      const w = rng.floats(3 * 3 * 10);
      const b = rng.floats(10);
      const attrs: Attrs = { strides: [2, 2], padding: 'same', multiplier: 2, activation: 'relu' };
      const r = runHostOp(h, depthwiseConv2dOp, [{ shape: [2, 7, 6, 5], data: x }, { shape: [3, 3, 10], data: w, constant: true }, { shape: [10], data: b, constant: true }], attrs);
      assert.equal(r.shape, [2, 4, 3, 10]);
      const s = resolve({ n: 2, h: 7, w: 6, c: 5, kh: 3, kw: 3, sh: 2, sw: 2, padH: 'same', padW: 'same' });
      assertClose(r.data, depthwiseConv2dRef(x, w, b, s, 2, { kind: 'relu' }), { rtol: sumTolerance(10), atol: 1e-6, label: 'depthwiseConv2d op', build });
      assert.is(r.macs, 2 * 4 * 3 * 10 * 9);
    }
    {
      h.reset();
      const x = rng.floats(1 * 20 * 6);
      const w = rng.floats(5 * 6);
      const attrs: Attrs = { dilations: [2], padding: 'explicit', pads: [4, 4] };
      const r = runHostOp(h, depthwiseConv1dOp, [{ shape: [1, 20, 6], data: x }, { shape: [5, 6], data: w, constant: true }, undefined], attrs);
      assert.equal(r.shape, [1, 20, 6]);
      const s = resolve({ n: 1, h: 1, w: 20, c: 6, kh: 1, kw: 5, dw: 2, padW: [4, 4] });
      assertClose(r.data, depthwiseConv2dRef(x, w, null, s, 1), { rtol: sumTolerance(5), atol: 1e-6, label: 'depthwiseConv1d op', build });
      assert.is(r.macs, 20 * 6 * 5);
    }
  });
}

const f32 = (shape: number[]): ShapeInfo => ({ shape, dtype: 'f32' });
const where = { op: 'd (depthwiseConv2d)' };

test('depthwise infer: padding modes and multiplier', () => {
  const x = f32([2, 9, 8, 6]);
  const w = f32([3, 3, 6]);
  assert.equal(depthwiseConv2dOp.infer([x, w, undefined], {}, where)[0].shape, [2, 7, 6, 6]);
  assert.equal(depthwiseConv2dOp.infer([x, w, f32([6])], { padding: 'same' }, where)[0].shape, [2, 9, 8, 6]);
  assert.equal(depthwiseConv2dOp.infer([x, w, undefined], { padding: 'same', strides: [2, 3] }, where)[0].shape, [2, 5, 3, 6]);
  assert.equal(depthwiseConv2dOp.infer([x, w, undefined], { padding: 'explicit', pads: [1, 0, 1, 2] }, where)[0].shape, [2, 9, 8, 6]);
  assert.equal(depthwiseConv2dOp.infer([x, f32([3, 3, 12]), f32([12])], { multiplier: 2, dilations: [2, 2] }, where)[0].shape, [2, 5, 4, 12]);
  assert.equal(depthwiseConv1dOp.infer([f32([1, 20, 4]), f32([5, 4]), undefined], { padding: 'same' }, where)[0].shape, [1, 20, 4]);
  assert.equal(depthwiseConv1dOp.infer([f32([1, 20, 4]), f32([5, 8]), undefined], { multiplier: 2, strides: [4] }, where)[0].shape, [1, 4, 8]);
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

test('depthwise infer: bad attributes and shapes', () => {
  const x = f32([1, 8, 8, 6]);
  const w = f32([3, 3, 6]);
  const badAttrs: [Attrs, string][] = [
    [{ multiplier: 0 }, 'multiplier 0'],
    [{ multiplier: 'two' }, 'multiplier not a number'],
    [{ strides: [1, 0] }, 'stride 0'],
    [{ dilations: [2] }, 'dilations of the wrong length'],
    [{ padding: 'causal' }, 'unknown padding'],
    [{ padding: 'explicit', pads: [1, 1, 1] }, 'pads of the wrong length'],
    [{ pads: [1, 1, 1, 1] }, 'pads without explicit'],
  ];
  for (const [attrs, label] of badAttrs) throwsCode(() => depthwiseConv2dOp.infer([x, w, undefined], attrs, where), 'MODEL_ATTRIBUTE', label);
  const shape = (ins: (ShapeInfo | undefined)[], attrs: Attrs, label: string) => throwsCode(() => depthwiseConv2dOp.infer(ins, attrs, where), 'MODEL_SHAPE_MISMATCH', label);
  shape([x, f32([3, 3, 5]), undefined], {}, 'weights vs input channels');
  shape([x, w, undefined], { multiplier: 2 }, 'weights vs channels x multiplier');
  shape([x, w, f32([12])], {}, 'bias length');
  shape([x, f32([3, 3, 1, 6]), undefined], {}, 'weights rank (HWIO given)');
  shape([f32([8, 8, 6]), w, undefined], {}, 'input rank');
  shape([x, f32([9, 9, 6]), undefined], {}, 'kernel larger than the input, valid');
  throwsCode(() => depthwiseConv1dOp.infer([f32([1, 20, 4]), f32([5, 4]), undefined], { strides: [1, 1] }, where), 'MODEL_ATTRIBUTE', 'depthwiseConv1d strides of length 2');
  throwsCode(() => depthwiseConv1dOp.infer([f32([1, 20, 4]), f32([3, 3, 4]), undefined], {}, where), 'MODEL_SHAPE_MISMATCH', 'depthwiseConv1d with 2-D weights');
  throwsCode(() => depthwiseConv1dOp.infer([f32([1, 4, 4]), f32([3, 4]), undefined], { dilations: [2] }, where), 'MODEL_SHAPE_MISMATCH', 'dilated kernel larger than the input');
});

test.run();
