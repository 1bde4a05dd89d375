// lstmF32 and the lstm host op against the f64 reference, on both builds.
//
// Tolerance: as for gru (gru.suite.ts): per step, dot products of length
// I + H plus a few ulp from sigmoid/tanh, compounding over the T steps
// through R and the cell state: rtol = sumTolerance(I + H + 8) * (T + 1)
// against max |h| (|h| <= 1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { lstmRef } from '../reference/lstm.ts';
import { lstmOp, lstmScratchBytes } from '../../src/ops/lstm.ts';
import { gemmPackedBytes } from '../../src/ops/dense.ts';
import { isTinysenseError } from '../../src/errors.ts';

const HIDDEN = [1, 3, 4, 7, 8, 13, 32];
const INPUT = [1, 5, 6, 16];
const STEPS = [1, 2, 10];

interface LstmCase {
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
  c0: Float32Array | null;
  reverse: boolean;
}

function makeCase(rng: Rng, n: number, t: number, inSize: number, hidden: number, o: { bW: boolean; bR: boolean; h0: boolean; c0: boolean; reverse: boolean }): LstmCase {
  const g = 4 * hidden;
  return {
    n, t, inSize, hidden,
    x: rng.floats(n * t * inSize),
    w: rng.floats(inSize * g, 2 / Math.sqrt(inSize)),
    r: rng.floats(hidden * g, 2 / Math.sqrt(hidden)),
    bW: o.bW ? rng.floats(g, 0.5) : null,
    bR: o.bR ? rng.floats(g, 0.5) : null,
    h0: o.h0 ? rng.floats(n * hidden) : null,
    c0: o.c0 ? rng.floats(n * hidden, 2) : null,
    reverse: o.reverse,
  };
}

const tolerance = (c: LstmCase) => sumTolerance(c.inSize + c.hidden + 8) * (c.t + 1);

function runKernel(h: KernelHarness, c: LstmCase, returnSequences: boolean): Float32Array {
  h.reset();
  const { n, t, inSize: I, hidden: H } = c;
  const pW = h.alloc(h.call('lstmPackedWBytes', I, H));
  const pR = h.alloc(h.call('lstmPackedRBytes', H));
  h.call('packLstmInputF32', h.put(c.w), c.bW ? h.put(c.bW) : 0, c.bR ? h.put(c.bR) : 0, pW, I, H);
  h.call('packLstmRecurrentF32', h.put(c.r), pR, H);
  const h0 = c.h0 ? h.put(c.h0) : 0;
  const c0 = c.c0 ? h.put(c.c0) : 0;
  const count = returnSequences ? n * t * H : n * H;
  const y = h.alloc(count * 4);
  const scratch = h.alloc(h.call('lstmScratchBytes', n, t, H));
  h.call('lstmF32', h.put(c.x), pW, pR, h0, c0, y, scratch, n, t, I, H, Number(returnSequences), Number(c.reverse));
  if (c.h0) assert.equal(h.getF32(h0, n * H), c.h0, `lstm must not write h0 (${h.build})`);
  if (c.c0) assert.equal(h.getF32(c0, n * H), c.c0, `lstm must not write c0 (${h.build})`);
  return h.getF32(y, count);
}

function check(h: KernelHarness, c: LstmCase, label: string): void {
  const want = lstmRef(c);
  const shape = [c.n, c.t, c.inSize, c.hidden];
  const name = `${label} reverse=${c.reverse} bW=${!!c.bW} bR=${!!c.bR} h0=${!!c.h0} c0=${!!c.c0}`;
  const opts = { rtol: tolerance(c), atol: 1e-6, shape, build: h.build };
  assertClose(runKernel(h, c, true), want.sequence, { ...opts, label: `lstm sequence ${name}` });
  assertClose(runKernel(h, c, false), want.last, { ...opts, label: `lstm last ${name}` });
}

for (const build of BUILDS) {
  test(`lstm: hidden x input sizes, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(60);
    let i = 0;
    for (const hidden of HIDDEN) {
      for (const inSize of INPUT) {
        const c = makeCase(rng, i % 2 ? 3 : 1, STEPS[i % 3], inSize, hidden, {
          bW: rng.next() < 0.7, bR: rng.next() < 0.7, h0: rng.next() < 0.5, c0: rng.next() < 0.5, reverse: rng.next() < 0.5,
        });
        check(h, c, 'sizes');
        i++;
      }
    }
  });

  test(`lstm: every attribute combination, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(61);
    for (const [n, t, inSize, hidden] of [[3, 10, 5, 13], [1, 2, 16, 8], [3, 10, 6, 4]]) {
      for (const reverse of [false, true]) {
        for (const [bW, bR] of [[false, false], [true, false], [false, true], [true, true]]) {
          for (const [h0, c0] of [[false, false], [true, false], [false, true], [true, true]]) {
            check(h, makeCase(rng, n, t, inSize, hidden, { bW, bR, h0, c0, reverse }), 'attrs');
          }
        }
      }
    }
  });

  test(`lstm: host op, 2-layer stack, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(62);
    const [n, t, inSize, h1, h2] = [3, 10, 6, 13, 8];
    for (const reverse of [false, true]) {
      const l1 = makeCase(rng, n, t, inSize, h1, { bW: true, bR: true, h0: true, c0: true, reverse });
      const l2 = makeCase(rng, n, t, h1, h2, { bW: true, bR: false, h0: false, c0: true, reverse: false });
      const operands = (c: LstmCase, x: Float32Array, xShape: number[]) => [
        { shape: xShape, data: x },
        { shape: [c.inSize, 4 * c.hidden], data: c.w, constant: true },
        { shape: [c.hidden, 4 * c.hidden], data: c.r, constant: true },
        c.bW ? { shape: [4 * c.hidden], data: c.bW, constant: true } : undefined,
        c.bR ? { shape: [4 * c.hidden], data: c.bR, constant: true } : undefined,
        c.h0 ? { shape: [n, c.hidden], data: c.h0 } : undefined,
        c.c0 ? { shape: [n, c.hidden], data: c.c0 } : undefined,
      ];
      const out1 = runHostOp(h, lstmOp, operands(l1, l1.x, [n, t, inSize]), { hidden: h1, returnSequences: 1, reverse: Number(reverse) }, 'lstm0');
      assert.equal(out1.shape, [n, t, h1]);
      assert.is(out1.macs, n * t * (inSize + h1) * 4 * h1);
      const out2 = runHostOp(h, lstmOp, operands(l2, out1.data, out1.shape), { hidden: h2 }, 'lstm1');
      assert.equal(out2.shape, [n, h2]);

      const want1 = lstmRef(l1);
      const want2 = lstmRef({ ...l2, x: want1.sequence });
      const label = `lstm stack reverse=${reverse}`;
      assertClose(out1.data, want1.sequence, { rtol: tolerance(l1), atol: 1e-6, label: `${label} layer 0`, shape: [n, t, inSize, h1], build });
      // Layer 1 also inherits layer 0's error through its input.
      assertClose(out2.data, want2.last, { rtol: tolerance(l1) + tolerance(l2), atol: 1e-6, label: `${label} layer 1`, shape: [n, t, h1, h2], build });
    }
  });

  test(`lstm: host sizes mirror the kernel's, ${build}`, () => {
    const h = makeHarness(build);
    for (const hidden of HIDDEN) {
      assert.is(gemmPackedBytes(hidden, 4 * hidden), h.call('lstmPackedRBytes', hidden));
      assert.is(gemmPackedBytes(5, 4 * hidden), h.call('lstmPackedWBytes', 5, hidden));
      assert.is(lstmScratchBytes(3, 7, hidden), h.call('lstmScratchBytes', 3, 7, hidden));
    }
  });
}

test('lstm: host op rejects bad attributes and shapes', () => {
  const f = (shape: number[]) => ({ shape, dtype: 'f32' as const });
  const good = [f([2, 5, 6]), f([6, 16]), f([4, 16]), f([16]), f([16]), f([2, 4]), f([2, 4])];
  const expectCode = (code: string, ins: (ReturnType<typeof f> | undefined)[], attrs: Record<string, number>, field?: string) => {
    try {
      lstmOp.infer(ins, attrs, { op: 'l' });
    } catch (e) {
      assert.ok(isTinysenseError(e), String(e));
      assert.is(e.code, code, e.message);
      if (field) assert.is(e.where.field, field, e.message);
      return;
    }
    assert.unreachable(`expected ${code} for ${JSON.stringify(attrs)}`);
  };
  assert.equal(lstmOp.infer(good, { hidden: 4 }, { op: 'l' })[0].shape, [2, 4]);
  assert.equal(lstmOp.infer(good, { hidden: 4, returnSequences: 1 }, { op: 'l' })[0].shape, [2, 5, 4]);
  expectCode('MODEL_ATTRIBUTE', good, {}, 'hidden');
  expectCode('MODEL_ATTRIBUTE', good, { hidden: 4, returnSequences: 3 }, 'returnSequences');
  expectCode('MODEL_SHAPE_MISMATCH', good, { hidden: 3 }, 'W');
  expectCode('MODEL_SHAPE_MISMATCH', [good[0], f([6, 12]), ...good.slice(2)], { hidden: 4 }, 'W');
  expectCode('MODEL_SHAPE_MISMATCH', [good[0], good[1], f([4, 12]), ...good.slice(3)], { hidden: 4 }, 'R');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 3), f([12]), ...good.slice(4)], { hidden: 4 }, 'bW');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 5), f([2, 5]), good[6]], { hidden: 4 }, 'h0');
  expectCode('MODEL_SHAPE_MISMATCH', [...good.slice(0, 6), f([3, 4])], { hidden: 4 }, 'c0');
});

test.run();
