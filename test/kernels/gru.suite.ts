// gruF32 and the gru host op against the f64 reference, on both builds.
//
// Tolerance: each step's pre-activations are dot products of length I + H
// (sumTolerance(I + H) relative error, inputs and weights scaled so
// pre-activations are O(1)), and sigmoid/tanh add a few ulp. The error of
// one step's state then feeds the next step through R, so the bound grows
// with T: rtol = sumTolerance(I + H + 8) * (T + 1), against max |h| of the
// whole output (|h| <= 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { gruRef } from '../reference/gru.ts';
import { gruOp, gruPackedRBytes, gruScratchBytes } from '../../src/ops/gru.ts';
import { gemmPackedBytes } from '../../src/ops/dense.ts';
import { isTinysenseError } from '../../src/errors.ts';

const HIDDEN = [1, 3, 4, 7, 8, 13, 32];
const INPUT = [1, 5, 6, 16];
const STEPS = [1, 2, 10];

interface GruCase {
  n: number;
  t: number;
  inSize: number;
  hidden: number;
  x: Float32Array;
  w: Float32Array;
  r: Float32Array;
  bW: Float32Array | null;
  bR: Float32Array | null;
  h0: Float32Array | null;
  reverse: boolean;
  linearBeforeReset: boolean;
}

function makeCase(rng: Rng, n: number, t: number, inSize: number, hidden: number, o: { bW: boolean; bR: boolean; h0: boolean; reverse: boolean; linearBeforeReset: boolean }): GruCase {
  const g = 3 * hidden;
  return {
    n, t, inSize, hidden,
    x: rng.floats(n * t * inSize),
    w: rng.floats(inSize * g, 2 / Math.sqrt(inSize)),
    r: rng.floats(hidden * g, 2 / Math.sqrt(hidden)),
    bW: o.bW ? rng.floats(g, 0.5) : null,
    bR: o.bR ? rng.floats(g, 0.5) : null,
    h0: o.h0 ? rng.floats(n * hidden) : null,
    reverse: o.reverse,
    linearBeforeReset: o.linearBeforeReset,
  };
}

const tolerance = (c: GruCase) => sumTolerance(c.inSize + c.hidden + 8) * (c.t + 1);

/** Packs and runs the kernel export directly, for both output forms. */
function runKernel(h: KernelHarness, c: GruCase, returnSequences: boolean): Float32Array {
  h.reset();
  const { n, t, inSize: I, hidden: H } = c;
  const lbr = Number(c.linearBeforeReset);
  const pW = h.alloc(h.call('gruPackedWBytes', I, H));
  const pR = h.alloc(h.call('gruPackedRBytes', H, lbr));
  const bW = c.bW ? h.put(c.bW) : 0;
  const bR = c.bR ? h.put(c.bR) : 0;
  h.call('packGruInputF32', h.put(c.w), bW, bR, pW, I, H, lbr);
  h.call('packGruRecurrentF32', h.put(c.r), bR, pR, H, lbr);
  const h0 = c.h0 ? h.put(c.h0) : 0;
  const count = returnSequences ? n * t * H : n * H;
  const y = h.alloc(count * 4);
  const scratch = h.alloc(h.call('gruScratchBytes', n, t, H));
  h.call('gruF32', h.put(c.x), pW, pR, h0, y, scratch, n, t, I, H, Number(returnSequences), Number(c.reverse), lbr);
  if (c.h0) assert.equal(h.getF32(h0, n * H), c.h0, `gru must not write h0 (${h.build})`);
  return h.getF32(y, count);
}

function check(h: KernelHarness, c: GruCase, label: string): void {
  const want = gruRef(c);
  const shape = [c.n, c.t, c.inSize, c.hidden];
  const name = `${label} reverse=${c.reverse} lbr=${c.linearBeforeReset} bW=${!!c.bW} bR=${!!c.bR} h0=${!!c.h0}`;
  const opts = { rtol: tolerance(c), atol: 1e-6, shape, build: h.build };
  assertClose(runKernel(h, c, true), want.sequence, { ...opts, label: `gru sequence ${name}` });
  assertClose(runKernel(h, c, false), want.last, { ...opts, label: `gru last ${name}` });
}

for (const build of BUILDS) {
  test(`gru: hidden x input sizes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(50);
    let i = 0;
    for (const hidden of HIDDEN) {
      for (const inSize of INPUT) {
        const t = STEPS[i % 3];
        const n = i % 2 ? 3 : 1;
        const c = makeCase(rng, n, t, inSize, hidden, {
          bW: rng.next() < 0.7, bR: rng.next() < 0.7, h0: rng.next() < 0.5, reverse: rng.next() < 0.5, linearBeforeReset: i % 4 < 2,
        });
        check(h, c, 'sizes');
        i++;
      }
    }
  });

  test(`gru: every attribute combination, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(51);
    for (const [n, t, inSize, hidden] of [[3, 10, 5, 13], [1, 2, 16, 8], [3, 10, 6, 4]]) {
      for (const reverse of [false, true]) {
        for (const linearBeforeReset of [false, true]) {
          for (const [bW, bR] of [[false, false], [true, false], [false, true], [true, true]]) {
            for (const h0 of [false, true]) {
              check(h, makeCase(rng, n, t, inSize, hidden, { bW, bR, h0, reverse, linearBeforeReset }), 'attrs');
            }
          }
        }
      }
    }
  });

  test(`gru: host op, 2-layer stack, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(52);
    const [n, t, inSize, h1, h2] = [3, 10, 6, 13, 8];
    for (const linearBeforeReset of [false, true]) {
      for (const reverse of [false, true]) {
        const l1 = makeCase(rng, n, t, inSize, h1, { bW: true, bR: true, h0: true, reverse, linearBeforeReset });
        const l2 = makeCase(rng, n, t, h1, h2, { bW: true, bR: false, h0: false, reverse: false, linearBeforeReset });
        const operands = (c: GruCase, x: Float32Array, xShape: number[]) => [
          { shape: xShape, data: x },
          { shape: [c.inSize, 3 * c.hidden], data: c.w, constant: true },
          { shape: [c.hidden, 3 * c.hidden], data: c.r, constant: true },
          c.bW ? { shape: [3 * c.hidden], data: c.bW, constant: true } : undefined,
          c.bR ? { shape: [3 * c.hidden], data: c.bR, constant: true } : undefined,
          c.h0 ? { shape: [n, c.hidden], data: c.h0 } : undefined,
        ];
        const lbr = Number(linearBeforeReset);
        const out1 = runHostOp(h, gruOp, operands(l1, l1.x, [n, t, inSize]), { hidden: h1, returnSequences: 1, reverse: Number(reverse), linearBeforeReset: lbr }, 'gru0');
        assert.equal(out1.shape, [n, t, h1]);
        assert.is(out1.macs, n * t * (inSize + h1) * 3 * h1);
        const out2 = runHostOp(h, gruOp, operands(l2, out1.data, out1.shape), { hidden: h2, linearBeforeReset: lbr }, 'gru1');
        assert.equal(out2.shape, [n, h2]);

        const want1 = gruRef(l1);
        const want2 = gruRef({ ...l2, x: want1.sequence });
        const label = `gru stack lbr=${linearBeforeReset} reverse=${reverse}`;
        assertClose(out1.data, want1.sequence, { rtol: tolerance(l1), atol: 1e-6, label: `${label} layer 0`, shape: [n, t, inSize, h1], build });
        // Layer 1 also inherits layer 0's error through its input.
        assertClose(out2.data, want2.last, { rtol: tolerance(l1) + tolerance(l2), atol: 1e-6, label: `${label} layer 1`, shape: [n, t, h1, h2], build });
      }
    }
  });

  test(`gru: host sizes mirror the kernel's, ${build}`, () => {
    const h = makeHarness(build);
    for (const hidden of HIDDEN) {
      for (const lbr of [0, 1]) assert.is(gruPackedRBytes(hidden, lbr), h.call('gruPackedRBytes', hidden, lbr), `packed R H=${hidden} lbr=${lbr}`);
      assert.is(gemmPackedBytes(5, 3 * hidden), h.call('gruPackedWBytes', 5, hidden));
      assert.is(gruScratchBytes(3, 7, hidden), h.call('gruScratchBytes', 3, 7, hidden));
    }
  });
}

test('gru: host op rejects bad attributes and shapes', () => {
  const f = (shape: number[]) => ({ shape, dtype: 'f32' as const });
  const good = [f([2, 5, 6]), f([6, 12]), f([4, 12]), f([12]), f([12]), f([2, 4])];
  const expectCode = (code: string, ins: (ReturnType<typeof f> | undefined)[], attrs: Record<string, number>, field?: string) => {
    try {
      gruOp.infer(ins, attrs, { op: 'g' });
    } catch (e) {
      assert.ok(isTinysenseError(e), String(e));
      assert.is(e.code, code, e.message);
      if (field) assert.is(e.where.field, field, e.message);
      return;
    }
    assert.unreachable(`expected ${code} for ${JSON.stringify(attrs)}`);
  };
  assert.equal(gruOp.infer(good, { hidden: 4 }, { op: 'g' })[0].shape, [2, 4]);
  assert.equal(gruOp.infer(good, { hidden: 4, returnSequences: 1 }, { op: 'g' })[0].shape, [2, 5, 4]);
  assert.equal(gruOp.infer([good[0], good[1], good[2]], { hidden: 4 }, { op: 'g' })[0].shape, [2, 4]);
  expectCode('MODEL_ATTRIBUTE', good, {}, 'hidden');
  expectCode('MODEL_ATTRIBUTE', good, { hidden: 0 }, 'hidden');
  expectCode('MODEL_ATTRIBUTE', good, { hidden: 4, returnSequences: 2 }, 'returnSequences');
  expectCode('MODEL_ATTRIBUTE', good, { hidden: 4, reverse: -1 }, 'reverse');
  expectCode('MODEL_ATTRIBUTE', good, { hidden: 4, linearBeforeReset: 0.5 }, 'linearBeforeReset');
  expectCode('MODEL_SHAPE_MISMATCH', good, { hidden: 3 }, 'W');
  expectCode('MODEL_SHAPE_MISMATCH', [f([2, 30]), ...good.slice(1)], { hidden: 4 }, 'x');
  expectCode('MODEL_SHAPE_MISMATCH', [good[0], f([5, 12]), ...good.slice(2)], { hidden: 4 }, 'W');
  expectCode('MODEL_SHAPE_MISMATCH', [good[0], good[1], f([4, 16]), ...good.slice(3)], { hidden: 4 }, 'R');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 3), f([9]), ...good.slice(4)], { hidden: 4 }, 'bW');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 4), f([12, 1]), good[5]], { hidden: 4 }, 'bR');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 5), f([1, 4])], { hidden: 4 }, 'h0');
});

test.run();
