// Backward kernels of the feed-forward layers against central finite
// differences of the f64 references (test/reference/), on both builds:
// L = sum(dy * f(x)) with random dy, gradient of every input checked with
// relative error < 1e-3 (GRAD_RTOL) over shapes with odd sizes, strides,
// padding, dilation, groups and multipliers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TRAINING_BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { makeRng } from '../helpers/random.ts';
import { numericGradient, batchNormTrainRef, crossEntropyRef, meanSquaredErrorRef, reduceToShapeRef } from '../reference/grad.ts';
import { denseRef } from '../reference/dense.ts';
import { conv2dRef, refWindow, type ConvShape, type PaddingSpec } from '../reference/conv.ts';
import { depthwiseConv2dRef } from '../reference/depthwise.ts';
import { maxPool2dRef, avgPool2dRef, meanRef, type PoolRefGeometry } from '../reference/pool.ts';
import { applyActivation, activationAbi, ALL_ACTIVATIONS } from '../reference/activation.ts';
import { softmaxRef } from '../reference/softmax.ts';
import { checkGradient, printGradientTable } from './grad-check.ts';

const rng = makeRng(20261124);
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

function harnesses(): KernelHarness[] {
  return TRAINING_BUILDS.map((b) => makeHarness(b, 'training'));
}
const H = harnesses();

test('dense backward: dx, dw, db', () => {
  for (const [m, n, k] of [[1, 1, 1], [3, 5, 7], [5, 9, 4], [4, 8, 8], [6, 17, 13]]) {
    const x = rng.floats(m * k), w = rng.floats(k * n), b = rng.floats(n), dy = rng.floats(m * n);
    const gx = numericGradient((v) => denseRef(v, w, b, m, n, k), x, dy);
    const gw = numericGradient((v) => denseRef(x, v, b, m, n, k), w, dy);
    const gb = numericGradient((v) => denseRef(x, w, v, m, n, k), b, dy);
    for (const h of H) {
      h.reset();
      const [px, pw, pdy] = [h.put(x), h.put(w), h.put(dy)];
      const [dx, dw, db] = [h.alloc(m * k * 4), h.alloc(k * n * 4), h.alloc(n * 4)];
      const scratch = h.alloc(h.call('denseBackwardScratchBytes', m, n, k));
      h.call('denseBackwardF32', px, pw, pdy, dx, dw, db, m, n, k, scratch);
      const label = `dense m${m} n${n} k${k} ${h.build}`;
      checkGradient('dense dx', label, h.getF32(dx, m * k), gx);
      checkGradient('dense dW', label, h.getF32(dw, k * n), gw);
      checkGradient('dense db', label, h.getF32(db, n), gb);
    }
  }
});

test('gemmTransAF32 over more rows than one pass, accumulating', () => {
  const rows = 600, p = 7, q = 11;
  const a = rng.floats(rows * p), b = rng.floats(rows * q), c0 = rng.floats(p * q);
  const want = new Float64Array(p * q);
  for (let i = 0; i < p; i++) for (let j = 0; j < q; j++) {
    let s = c0[i * q + j];
    for (let r = 0; r < rows; r++) s += a[r * p + i] * b[r * q + j];
    want[i * q + j] = s;
  }
  for (const h of H) {
    h.reset();
    const c = h.put(c0);
    h.call('gemmTransAF32', h.put(a), p, h.put(b), q, c, q, rows, p, q, 1, h.alloc(h.call('gemmTransAScratchBytes', p, q)));
    checkGradient('gemmTransA', `transA ${h.build}`, h.getF32(c, p * q), want);
  }
});

interface ConvCase { n: number; h: number; w: number; c: number; oc: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number; pad: 'valid' | 'same' | [number, number, number, number]; groups: number }

function convGeometry(cc: ConvCase): ConvShape {
  const padH: PaddingSpec = Array.isArray(cc.pad) ? [cc.pad[0], cc.pad[2]] : cc.pad;
  const padW: PaddingSpec = Array.isArray(cc.pad) ? [cc.pad[1], cc.pad[3]] : cc.pad;
  const y = refWindow(cc.h, cc.kh, cc.sh, cc.dh, padH);
  const x = refWindow(cc.w, cc.kw, cc.sw, cc.dw, padW);
  return { n: cc.n, h: cc.h, w: cc.w, c: cc.c, oh: y.out, ow: x.out, kh: cc.kh, kw: cc.kw, sh: cc.sh, sw: cc.sw, dh: cc.dh, dw: cc.dw, padTop: y.padBegin, padLeft: x.padBegin };
}

const CONV_CASES: ConvCase[] = [
  // conv1d (h = 1): DeepSense-like, odd lengths, stride, 'same', dilation.
  { n: 2, h: 1, w: 11, c: 3, oc: 5, kh: 1, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid', groups: 1 },
  { n: 1, h: 1, w: 9, c: 4, oc: 6, kh: 1, kw: 3, sh: 1, sw: 2, dh: 1, dw: 2, pad: 'same', groups: 2 },
  // conv2d: strides, explicit asymmetric padding, dilation, groups, 1x1.
  { n: 2, h: 5, w: 6, c: 3, oc: 4, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same', groups: 1 },
  { n: 1, h: 7, w: 5, c: 4, oc: 6, kh: 3, kw: 2, sh: 2, sw: 1, dh: 1, dw: 2, pad: [1, 0, 2, 1], groups: 2 },
  { n: 3, h: 4, w: 4, c: 5, oc: 9, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'valid', groups: 1 },
  { n: 1, h: 6, w: 7, c: 2, oc: 3, kh: 2, kw: 3, sh: 2, sw: 3, dh: 2, dw: 1, pad: 'valid', groups: 1 },
];

test('conv2d/conv1d backward: dx, dw, db with stride, padding, dilation, groups', () => {
  for (const cc of CONV_CASES) {
    const s = convGeometry(cc);
    const cg = cc.c / cc.groups;
    const x = rng.floats(s.n * s.h * s.w * s.c), w = rng.floats(s.kh * s.kw * cg * cc.oc), b = rng.floats(cc.oc);
    const dy = rng.floats(s.n * s.oh * s.ow * cc.oc);
    const gx = numericGradient((v) => conv2dRef(v, w, b, s, cc.oc, cc.groups), x, dy);
    const gw = numericGradient((v) => conv2dRef(x, v, b, s, cc.oc, cc.groups), w, dy);
    const gb = numericGradient((v) => conv2dRef(x, w, v, s, cc.oc, cc.groups), b, dy);
    for (const h of H) {
      h.reset();
      const [dx, dw, db] = [h.alloc(x.length * 4), h.alloc(w.length * 4), h.alloc(b.length * 4)];
      const scratch = h.alloc(h.call('conv2dBackwardScratchBytes', s.n, s.oh, s.ow, s.c, cc.oc, s.kh, s.kw, cc.groups));
      h.call('conv2dBackwardF32', h.put(x), s.n, s.h, s.w, s.c, h.put(w), h.put(dy), s.oh, s.ow, cc.oc,
        s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.padTop, s.padLeft, cc.groups, dx, dw, db, scratch);
      const label = `conv ${JSON.stringify(cc)} ${h.build}`;
      checkGradient(s.h === 1 ? 'conv1d dx' : 'conv2d dx', label, h.getF32(dx, x.length), gx);
      checkGradient(s.h === 1 ? 'conv1d dW' : 'conv2d dW', label, h.getF32(dw, w.length), gw);
      checkGradient(s.h === 1 ? 'conv1d db' : 'conv2d db', label, h.getF32(db, b.length), gb);
    }
  }
});

test('conv backward over several im2col tiles', () => {
  // k = 3*3*16 = 144 floats per patch: a 128 KiB tile holds 224 pixels, so 2*15*15 = 450 pixels take 3 tiles.
  const cc: ConvCase = { n: 2, h: 15, w: 15, c: 16, oc: 5, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same', groups: 1 };
  const s = convGeometry(cc);
  const x = rng.floats(s.n * s.h * s.w * s.c), w = rng.floats(s.kh * s.kw * s.c * cc.oc), dy = rng.floats(s.n * s.oh * s.ow * cc.oc);
  // Analytic f64 gradients (the definition read backwards), cheaper than finite differences at this size.
  const gx = new Float64Array(x.length), gw = new Float64Array(w.length);
  for (let b = 0; b < s.n; b++) for (let oy = 0; oy < s.oh; oy++) for (let ox = 0; ox < s.ow; ox++) for (let ky = 0; ky < 3; ky++) for (let kx = 0; kx < 3; kx++) {
    const iy = oy - s.padTop + ky, ix = ox - s.padLeft + kx;
    if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
    for (let ci = 0; ci < s.c; ci++) for (let o = 0; o < cc.oc; o++) {
      const g = dy[((b * s.oh + oy) * s.ow + ox) * cc.oc + o];
      const xi = ((b * s.h + iy) * s.w + ix) * s.c + ci, wi = ((ky * 3 + kx) * s.c + ci) * cc.oc + o;
      gx[xi] += w[wi] * g;
      gw[wi] += x[xi] * g;
    }
  }
  for (const h of H) {
    h.reset();
    const [dx, dw] = [h.alloc(x.length * 4), h.alloc(w.length * 4)];
    const scratch = h.alloc(h.call('conv2dBackwardScratchBytes', s.n, s.oh, s.ow, s.c, cc.oc, 3, 3, 1));
    h.call('conv2dBackwardF32', h.put(x), s.n, s.h, s.w, s.c, h.put(w), h.put(dy), s.oh, s.ow, cc.oc, 3, 3, 1, 1, 1, 1, s.padTop, s.padLeft, 1, dx, dw, 0, scratch);
    checkGradient('conv2d dx', `tiled ${h.build}`, h.getF32(dx, x.length), gx);
    checkGradient('conv2d dW', `tiled ${h.build}`, h.getF32(dw, w.length), gw);
  }
});

test('depthwise backward: multiplier 1 and 3, strides, padding, dilation', () => {
  const cases: (ConvCase & { m: number })[] = [
    { n: 2, h: 1, w: 10, c: 6, oc: 6, kh: 1, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, pad: 'same', groups: 1, m: 1 },
    { n: 1, h: 6, w: 5, c: 5, oc: 5, kh: 3, kw: 3, sh: 2, sw: 1, dh: 1, dw: 2, pad: [1, 2, 1, 0], groups: 1, m: 1 },
    { n: 2, h: 4, w: 5, c: 3, oc: 9, kh: 2, kw: 3, sh: 1, sw: 2, dh: 2, dw: 1, pad: 'same', groups: 1, m: 3 },
  ];
  for (const cc of cases) {
    const s = convGeometry(cc);
    const co = s.c * cc.m;
    const x = rng.floats(s.n * s.h * s.w * s.c), w = rng.floats(s.kh * s.kw * co), b = rng.floats(co);
    const dy = rng.floats(s.n * s.oh * s.ow * co);
    const gx = numericGradient((v) => depthwiseConv2dRef(v, w, b, s, cc.m), x, dy);
    const gw = numericGradient((v) => depthwiseConv2dRef(x, v, b, s, cc.m), w, dy);
    const gb = numericGradient((v) => depthwiseConv2dRef(x, w, v, s, cc.m), b, dy);
    for (const h of H) {
      h.reset();
      const [dx, dw, db] = [h.alloc(x.length * 4), h.alloc(w.length * 4), h.alloc(b.length * 4)];
      h.call('depthwiseConv2dBackwardF32', h.put(x), s.n, s.h, s.w, s.c, h.put(w), h.put(dy), s.oh, s.ow,
        s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, s.padTop, s.padLeft, cc.m, dx, dw, db);
      const label = `depthwise ${JSON.stringify(cc)} ${h.build}`;
      checkGradient('depthwise dx', label, h.getF32(dx, x.length), gx);
      checkGradient('depthwise dW', label, h.getF32(dw, w.length), gw);
      checkGradient('depthwise db', label, h.getF32(db, b.length), gb);
    }
  }
});

test('max and average pooling backward, 1-D and 2-D, padding, count_include_pad', () => {
  const cases: PoolRefGeometry[] = [
    { n: 2, h: 1, w: 9, c: 5, kh: 1, kw: 2, sh: 1, sw: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 },
    { n: 1, h: 5, w: 7, c: 6, kh: 3, kw: 2, sh: 2, sw: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 0 },
    { n: 2, h: 4, w: 4, c: 3, kh: 2, kw: 3, sh: 1, sw: 1, padTop: 0, padLeft: 1, padBottom: 1, padRight: 1 },
  ];
  for (const g of cases) {
    const x = rng.floats(g.n * g.h * g.w * g.c);
    const { oh, ow } = maxPool2dRef(x, g);
    const dy = rng.floats(g.n * oh * ow * g.c);
    const gmax = numericGradient((v) => maxPool2dRef(v, g).y, x, dy);
    for (const cip of [false, true]) {
      const gavg = numericGradient((v) => avgPool2dRef(v, g, cip).y, x, dy);
      for (const h of H) {
        h.reset();
        const dx = h.alloc(x.length * 4);
        h.call('avgPool2dBackwardF32', h.put(dy), g.n, g.h, g.w, g.c, oh, ow, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, g.padBottom, g.padRight, cip ? 1 : 0, dx);
        checkGradient(g.h === 1 ? 'avgPool1d' : 'avgPool2d', `avg ${JSON.stringify(g)} cip ${cip} ${h.build}`, h.getF32(dx, x.length), gavg);
      }
    }
    for (const h of H) {
      h.reset();
      const dx = h.alloc(x.length * 4);
      h.call('maxPool2dBackwardF32', h.put(x), g.n, g.h, g.w, g.c, h.put(dy), oh, ow, g.kh, g.kw, g.sh, g.sw, g.padTop, g.padLeft, dx);
      checkGradient(g.h === 1 ? 'maxPool1d' : 'maxPool2d', `max ${JSON.stringify(g)} ${h.build}`, h.getF32(dx, x.length), gmax);
    }
  }
});

test('mean backward (globalAvgPool, mean over time)', () => {
  for (const [outer, len, inner] of [[2, 7, 5], [3, 10, 1], [1, 4, 8]]) {
    const x = rng.floats(outer * len * inner), dy = rng.floats(outer * inner);
    const want = numericGradient((v) => meanRef(v, outer, len, inner), x, dy);
    for (const h of H) {
      h.reset();
      const dx = h.alloc(x.length * 4);
      h.call('meanBackwardF32', h.put(dy), outer, len, inner, dx);
      checkGradient('mean', `mean ${outer}x${len}x${inner} ${h.build}`, h.getF32(dx, x.length), want);
    }
  }
});

test('activation backward, every activation', () => {
  const count = 37;
  for (const spec of ALL_ACTIVATIONS) {
    const x = rng.floats(count, 4), dy = rng.floats(count);
    const want = numericGradient((v) => v.map((e) => applyActivation(e, spec)), x, dy);
    const [code, p0, p1] = activationAbi(spec);
    for (const h of H) {
      h.reset();
      const px = h.put(x), y = h.alloc(count * 4), dx = h.alloc(count * 4);
      h.call('activationF32', px, y, count, code, p0, p1);
      h.call('activationBackwardF32', px, y, h.put(dy), dx, count, code, p0, p1);
      checkGradient(`activation ${spec.kind}`, `${JSON.stringify(spec)} ${h.build}`, h.getF32(dx, count), want);
    }
  }
});

test('softmax backward and fused softmax cross-entropy', () => {
  for (const [n, classes] of [[1, 2], [5, 7], [4, 18]]) {
    const z = rng.floats(n * classes, 3), dy = rng.floats(n * classes);
    const labels = Int32Array.from({ length: n }, () => rng.int(0, classes - 1));
    const wantSm = numericGradient((v) => softmaxRef(v, n, classes, 1), z, dy);
    const wantCe = numericGradient((v) => [crossEntropyRef(v, labels, n, classes)], z, [1]);
    const wantSmoothed = numericGradient((v) => [crossEntropyRef(v, labels, n, classes, 0.1)], z, [1]);
    for (const h of H) {
      h.reset();
      const pz = h.put(z), y = h.alloc(z.length * 4), dx = h.alloc(z.length * 4), probs = h.alloc(z.length * 4);
      h.call('softmaxF32', pz, y, n, classes, 1);
      h.call('softmaxBackwardF32', y, h.put(dy), dx, n, classes);
      checkGradient('softmax', `softmax ${n}x${classes} ${h.build}`, h.getF32(dx, z.length), wantSm);
      const loss = h.call('softmaxCrossEntropyF32', pz, h.put(labels), n, classes, probs, dx, 1 / n, 0);
      assert.ok(Math.abs(loss - crossEntropyRef(z, labels, n, classes)) < 1e-5, `cross-entropy value ${h.build}`);
      checkGradient('softmax cross-entropy', `ce ${n}x${classes} ${h.build}`, h.getF32(dx, z.length), wantCe);
      const smoothed = h.call('softmaxCrossEntropyF32', pz, h.put(labels), n, classes, 0, dx, 1 / n, 0.1);
      assert.ok(Math.abs(smoothed - crossEntropyRef(z, labels, n, classes, 0.1)) < 1e-5, `smoothed cross-entropy value ${h.build}`);
      checkGradient('smoothed cross-entropy', `ce ${n}x${classes} s=0.1 ${h.build}`, h.getF32(dx, z.length), wantSmoothed);
    }
  }
});

test('mean-squared error', () => {
  for (const count of [1, 7, 16, 33]) {
    const y = rng.floats(count), t = rng.floats(count);
    const want = numericGradient((v) => [meanSquaredErrorRef(v, t)], y, [1]);
    for (const h of H) {
      h.reset();
      const dy = h.alloc(count * 4);
      const loss = h.call('meanSquaredErrorF32', h.put(y), h.put(t), count, dy, 1 / count);
      assert.ok(Math.abs(loss - meanSquaredErrorRef(y, t)) < 1e-6, `mse value ${h.build}`);
      checkGradient('mse', `mse ${count} ${h.build}`, h.getF32(dy, count), want);
    }
  }
});

test('dropout: seeded mask, identical on both builds, backward = dy * mask', () => {
  const count = 1001, rate = 0.3;
  const x = rng.floats(count), dy = rng.floats(count);
  const masks: Float32Array[] = [];
  for (const h of H) {
    h.reset();
    const y = h.alloc(count * 4), mask = h.alloc(count * 4), dx = h.alloc(count * 4);
    h.call('dropoutForwardF32', h.put(x), y, mask, count, rate, 42);
    const m = h.getF32(mask, count);
    masks.push(m);
    const kept = m.filter((v) => v !== 0).length / count;
    assert.ok(Math.abs(kept - (1 - rate)) < 0.05, `keep fraction ${kept}`);
    assert.ok(m.every((v) => v === 0 || Math.abs(v - 1 / (1 - rate)) < 1e-6), 'mask values');
    const want = numericGradient((v) => v.map((e, i) => e * m[i]), x, dy);
    h.call('dropoutBackwardF32', h.put(dy), mask, dx, count);
    checkGradient('dropout', `dropout ${h.build}`, h.getF32(dx, count), want);
    const mask2 = h.alloc(count * 4);
    h.call('dropoutForwardF32', h.put(x), y, mask2, count, rate, 43);
    assert.ok(h.getF32(mask2, count).some((v, i) => v !== m[i]), 'another seed gives another mask');
  }
  assert.equal([...masks[0]], [...masks[1]]);
});

test('batch-norm training forward and backward, running averages', () => {
  for (const [rows, c] of [[6, 3], [20, 8], [7, 13]]) {
    const x = rng.floats(rows * c, 2).map((v, i) => v + (i % c)), gamma = rng.floats(c), beta = rng.floats(c), dy = rng.floats(rows * c);
    const eps = 1e-3, momentum = 0.9;
    const want = batchNormTrainRef(x, rows, c, gamma, beta, eps);
    const gx = numericGradient((v) => batchNormTrainRef(v, rows, c, gamma, beta, eps), x, dy);
    const gg = numericGradient((v) => batchNormTrainRef(x, rows, c, v, beta, eps), gamma, dy);
    const gb = numericGradient((v) => batchNormTrainRef(x, rows, c, gamma, v, eps), beta, dy);
    for (const h of H) {
      h.reset();
      const px = h.put(x), pg = h.put(gamma), y = h.alloc(x.length * 4), mean = h.alloc(c * 4), inv = h.alloc(c * 4);
      const rm = h.put(new Float32Array(c)), rv = h.put(new Float32Array(c).fill(1));
      h.call('batchNormTrainForwardF32', px, rows, c, pg, h.put(beta), eps, y, mean, inv, rm, rv, momentum);
      checkGradient('batchNorm forward', `bn fwd ${rows}x${c} ${h.build}`, h.getF32(y, x.length), want);
      const runMean = h.getF32(rm, c), runVar = h.getF32(rv, c);
      for (let j = 0; j < c; j++) {
        let m = 0, v = 0;
        for (let r = 0; r < rows; r++) m += x[r * c + j] / rows;
        for (let r = 0; r < rows; r++) v += (x[r * c + j] - m) ** 2 / (rows - 1);
        assert.ok(Math.abs(runMean[j] - (1 - momentum) * m) < 1e-5, 'running mean');
        assert.ok(Math.abs(runVar[j] - (momentum + (1 - momentum) * v)) < 1e-4, 'running variance (unbiased)');
      }
      const dx = h.alloc(x.length * 4), dg = h.alloc(c * 4), db = h.alloc(c * 4);
      h.call('batchNormBackwardF32', px, h.put(dy), rows, c, pg, mean, inv, dx, dg, db, h.alloc(2 * c * 4));
      checkGradient('batchNorm dx', `bn ${rows}x${c} ${h.build}`, h.getF32(dx, x.length), gx);
      checkGradient('batchNorm dgamma', `bn ${rows}x${c} ${h.build}`, h.getF32(dg, c), gg);
      checkGradient('batchNorm dbeta', `bn ${rows}x${c} ${h.build}`, h.getF32(db, c), gb);
    }
  }
});

test('broadcast reduction (gradients of add/mul operands)', () => {
  // [outShape, inShape, collapsed shape, collapsed in-strides]
  const cases: [number[], number[], number[], number[]][] = [
    [[2, 3, 5], [5], [6, 5], [0, 1]],
    [[2, 3, 5], [3, 1], [2, 3, 5], [0, 1, 0]],
    [[4, 6], [1], [24], [0]],
    [[2, 3, 4], [2, 1, 4], [2, 3, 4], [4, 0, 1]],
  ];
  for (const [out, inn, shape, strides] of cases) {
    const x = rng.floats(out.reduce((a, b) => a * b, 1));
    const want = reduceToShapeRef(x, out, inn);
    for (const h of H) {
      h.reset();
      const y = h.alloc(want.length * 4);
      h.call('reduceBroadcastF32', h.put(x), y, want.length, shape.length, h.put(Int32Array.from([...shape, ...strides])));
      checkGradient('broadcast reduce', `reduce [${out}] -> [${inn}] ${h.build}`, h.getF32(y, want.length), want);
    }
  }
});

test.after(printGradientTable);
test.run();
