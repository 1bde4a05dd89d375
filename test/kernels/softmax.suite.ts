// softmaxF32 / logSoftmaxF32 over the middle axis of [outer, len, inner]
// against the f64 reference on both builds: the contiguous last-axis rows
// (inner = 1), 4-lane blocks over inner, large-magnitude rows, in place.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng } from '../helpers/random.ts';
import { logSoftmaxRef, softmaxRef } from '../reference/softmax.ts';

type View = [number, number, number];

// len below, at and above the vector width and its multiples (the padded
// tail vector), inner = 1 (rows), 2-3 (scalar lanes), 4+ (lane blocks + tail).
const VIEWS: View[] = [
  [1, 1, 1], [1, 2, 1], [1, 3, 1], [1, 4, 1], [1, 5, 1], [2, 7, 1], [3, 8, 1], [1, 9, 1], [2, 16, 1], [1, 17, 1], [4, 10, 1], [1, 1000, 1],
  [1, 1, 4], [2, 5, 2], [1, 3, 3], [3, 6, 4], [1, 7, 5], [2, 4, 8], [1, 9, 9], [2, 12, 13], [1, 100, 6],
];

function run(h: KernelHarness, name: 'softmaxF32' | 'logSoftmaxF32', x: Float32Array, [outer, len, inner]: View, inPlace: boolean): Float32Array {
  const xp = h.put(x);
  const yp = inPlace ? xp : h.alloc(x.length * 4);
  h.call(name, xp, yp, outer, len, inner);
  return h.getF32(yp, x.length);
}

/** Softmax entries are in [0, 1]: error is a few ulps of exp plus the sum's rounding. */
const softmaxTol = (len: number) => ({ rtol: 2 * sumTolerance(len), atol: 1e-7 });
/** log-softmax is x - max - lse: absolute error grows with the magnitudes involved. */
const logTol = (len: number) => ({ rtol: sumTolerance(len), atol: 2e-6 });

for (const build of BUILDS) {
  test(`softmax / logSoftmax: views, separate and in place, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(40);
    const views = [...VIEWS];
    for (let t = 0; t < 12; t++) views.push([rng.int(1, 3), rng.int(1, 40), rng.pick([1, 1, 2, 3, 4, 5, 7, 8, 11])]);
    for (const v of views) {
      for (const inPlace of [false, true]) {
        h.reset();
        const [outer, len, inner] = v;
        const x = rng.floats(outer * len * inner, 6);
        assertClose(run(h, 'softmaxF32', x, v, inPlace), softmaxRef(x, ...v), { ...softmaxTol(len), label: `softmax inPlace=${inPlace}`, shape: v, build });
        assertClose(run(h, 'logSoftmaxF32', x, v, inPlace), logSoftmaxRef(x, ...v), { ...logTol(len), label: `logSoftmax inPlace=${inPlace}`, shape: v, build });
      }
    }
  });

  test(`softmax / logSoftmax: large magnitudes stay finite and normalised, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(41);
    const rows: Float32Array[] = [
      new Float32Array(13).fill(80),
      new Float32Array(13).fill(-80),
      Float32Array.from({ length: 13 }, (_, i) => (i % 2 ? 80 : -80)),
      Float32Array.from({ length: 9 }, (_, i) => (i === 8 ? 80 : -80)),
      Float32Array.from({ length: 6 }, (_, i) => (i === 0 ? -80 : 80 - i * 1e-3)),
      rng.floats(37, 80),
      rng.floats(8, 1000),
    ];
    for (const row of rows) {
      for (const inner of [1, 4, 5]) {
        h.reset();
        // The same row repeated along inner, so each lane path sees it.
        const len = row.length;
        const x = new Float32Array(len * inner);
        for (let l = 0; l < len; l++) for (let i = 0; i < inner; i++) x[l * inner + i] = row[l] + i * 0.5;
        const v: View = [1, len, inner];
        const y = run(h, 'softmaxF32', x, v, false);
        assert.ok(y.every((e) => Number.isFinite(e) && e >= 0 && e <= 1), `softmax finite in [0, 1] len ${len} inner ${inner} ${build}`);
        for (let i = 0; i < inner; i++) {
          let s = 0;
          for (let l = 0; l < len; l++) s += y[l * inner + i];
          assert.ok(Math.abs(s - 1) <= sumTolerance(len), `softmax sums to ${s} len ${len} inner ${inner} ${build}`);
        }
        assertClose(y, softmaxRef(x, ...v), { ...softmaxTol(len), label: 'softmax large', shape: v, build });
        const ly = run(h, 'logSoftmaxF32', x, v, true);
        assert.ok(ly.every((e) => Number.isFinite(e) && e <= 1e-6), `logSoftmax finite and <= 0 ${build}`);
        // Each entry is within a few ulps of |x - max| of the f64 value.
        const want = logSoftmaxRef(x, ...v);
        for (let j = 0; j < want.length; j++) {
          const tol = 4 * 2 ** -23 * (Math.abs(want[j]) + 2) + 1e-6;
          if (!(Math.abs(ly[j] - want[j]) <= tol)) assert.unreachable(`logSoftmax large: index ${j} expected ${want[j]} got ${ly[j]} len ${len} inner ${inner} build ${build}`);
        }
      }
    }
  });
}

test.run();
