// Augmentations: seeded (same seed, same windows; another seed, others),
// shapes kept, and each one does what it says: a rotation keeps every
// 3-axis sample's norm and turns accelerometer and gyroscope alike, a shift
// moves samples, scaling multiplies a channel, noise has the asked deviation,
// mirror and turn flip the signs physics says they flip.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { augmentWindows, randomRotation, warpWindow, type AugmentOptions } from '../../src/train/augment.ts';
import { makeRng } from '../helpers/random.ts';

const COUNT = 5, LEN = 40, CH = 6;
const base = () => makeRng(11).floats(COUNT * LEN * CH, 3);
const run = (o: AugmentOptions, seed: number) => {
  const x = base();
  augmentWindows(x, COUNT, LEN, CH, o, makeRng(seed));
  return x;
};
const ALL: AugmentOptions = { noise: 0.1, scale: 0.1, rotation: 0.3, rotationGroups: [0, 3], shift: 4, warp: 0.2, mirror: 0.5, turn: 0.5, axialGroups: [3] };

test('seeded: same seed same result, another seed differs; shape and finiteness kept', () => {
  const a = run(ALL, 1), b = run(ALL, 1), c = run(ALL, 2);
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.is(a.length, COUNT * LEN * CH);
  assert.ok(a.every(Number.isFinite));
  assert.equal(run({}, 1), base());
});

test('rotation keeps each sensor\'s vector norms, and both sensors turn by the same matrix', () => {
  const x0 = base();
  const x = run({ rotation: 0.5, rotationGroups: [0, 3] }, 4);
  let changed = 0;
  for (let i = 0; i < COUNT * LEN; i++) {
    for (const g of [0, 3]) {
      const p = i * CH + g;
      const n0 = Math.hypot(x0[p], x0[p + 1], x0[p + 2]);
      const n1 = Math.hypot(x[p], x[p + 1], x[p + 2]);
      assert.ok(Math.abs(n0 - n1) < 1e-5 * Math.max(1, n0), `sample ${i} group ${g}: |v| ${n0} -> ${n1}`);
      if (Math.abs(x[p] - x0[p]) > 1e-4) changed++;
    }
  }
  assert.ok(changed > COUNT * LEN, 'the rotation changed the vectors');
  // Same matrix for both groups of one window: the dot product between accel and gyro vectors is kept.
  for (let t = 0; t < LEN; t++) {
    const p = t * CH;
    const d0 = x0[p] * x0[p + 3] + x0[p + 1] * x0[p + 4] + x0[p + 2] * x0[p + 5];
    const d1 = x[p] * x[p + 3] + x[p + 1] * x[p + 4] + x[p + 2] * x[p + 5];
    assert.ok(Math.abs(d0 - d1) < 1e-4 * Math.max(1, Math.abs(d0)), `t ${t}: ${d0} vs ${d1}`);
  }
});

test('mirror flips x of polar vectors and y, z of axial ones; turn flips x, y of both; with probability 1 every window', () => {
  const x0 = base();
  const m = run({ mirror: 1, rotationGroups: [0, 3], axialGroups: [3] }, 2);
  const t = run({ turn: 1, rotationGroups: [0, 3], axialGroups: [3] }, 2);
  const mirrorSign = [-1, 1, 1, 1, -1, -1];
  const turnSign = [-1, -1, 1, -1, -1, 1];
  for (let i = 0; i < x0.length; i++) {
    assert.is(m[i], mirrorSign[i % CH] * x0[i]);
    assert.is(t[i], turnSign[i % CH] * x0[i]);
  }
  assert.equal(run({ mirror: 0, turn: 0, rotationGroups: [0, 3] }, 2), x0);
});

test('randomRotation is orthonormal with determinant 1 and an angle within the limit', () => {
  const rng = makeRng(9);
  const r = new Float64Array(9);
  for (let k = 0; k < 20; k++) {
    randomRotation(r, 0.2, rng);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      const dot = r[i * 3] * r[j * 3] + r[i * 3 + 1] * r[j * 3 + 1] + r[i * 3 + 2] * r[j * 3 + 2];
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
    }
    const det = r[0] * (r[4] * r[8] - r[5] * r[7]) - r[1] * (r[3] * r[8] - r[5] * r[6]) + r[2] * (r[3] * r[7] - r[4] * r[6]);
    assert.ok(Math.abs(det - 1) < 1e-12);
    const angle = Math.acos(Math.min(1, (r[0] + r[4] + r[8] - 1) / 2));
    assert.ok(angle <= 0.2 + 1e-9, `angle ${angle}`);
  }
});

test('shift moves samples and repeats the edge; scaling multiplies whole channels', () => {
  const x0 = base();
  const x = run({ shift: 3 }, 7);
  for (let w = 0; w < COUNT; w++) {
    const at = (a: Float32Array, t: number, c: number) => a[(w * LEN + t) * CH + c];
    const s = [-3, -2, -1, 0, 1, 2, 3].find((s) => {
      for (let t = 0; t < LEN; t++) if (at(x, t, 0) !== at(x0, Math.min(LEN - 1, Math.max(0, t - s)), 0)) return false;
      return true;
    });
    assert.ok(s !== undefined, `window ${w} is a shift of the original`);
  }
  const y = run({ scale: 0.2 }, 8);
  for (let w = 0; w < COUNT; w++) for (let c = 0; c < CH; c++) {
    const f = y[(w * LEN) * CH + c] / x0[(w * LEN) * CH + c];
    for (let t = 1; t < LEN; t++) assert.ok(Math.abs(y[(w * LEN + t) * CH + c] - f * x0[(w * LEN + t) * CH + c]) < 1e-4);
  }
});

test('warp replays a window at a pace within the limit, about its centre, repeating the edges', () => {
  // A ramp per channel: a warped ramp is a ramp of slope `speed` through the centre.
  const x0 = new Float32Array(COUNT * LEN * CH);
  for (let w = 0; w < COUNT; w++) for (let t = 0; t < LEN; t++) for (let c = 0; c < CH; c++) x0[(w * LEN + t) * CH + c] = t + 100 * c;
  const x = x0.slice();
  augmentWindows(x, COUNT, LEN, CH, { warp: 0.25 }, makeRng(5));
  const centre = (LEN - 1) / 2;
  const speeds = new Set<string>();
  for (let w = 0; w < COUNT; w++) {
    const at = (t: number, c: number) => x[(w * LEN + t) * CH + c];
    const speed = (at(LEN / 2, 0) - at(LEN / 2 - 1, 0));
    assert.ok(speed >= 0.75 - 1e-5 && speed <= 1.25 + 1e-5, `window ${w}: speed ${speed}`);
    speeds.add(speed.toFixed(4));
    for (let t = 0; t < LEN; t++) for (let c = 0; c < CH; c++) {
      const want = Math.min(LEN - 1, Math.max(0, centre + (t - centre) * speed)) + 100 * c;
      assert.ok(Math.abs(at(t, c) - want) < 1e-3, `window ${w} t ${t} c ${c}: ${at(t, c)} vs ${want}`);
    }
  }
  assert.ok(speeds.size > 1, 'each window draws its own pace');
  const tmp = new Float32Array(LEN * CH);
  const same = x0.slice(0, LEN * CH);
  warpWindow(same, tmp, LEN, CH, 1);
  assert.equal(same, x0.slice(0, LEN * CH));
});

test('noise has the asked deviation per channel', () => {
  const n = 2000;
  const x = new Float32Array(n * CH);
  augmentWindows(x, 1, n, CH, { noise: [0.1, 0.1, 0.1, 1, 1, 1] }, makeRng(3));
  for (let c = 0; c < CH; c++) {
    let s = 0, s2 = 0;
    for (let t = 0; t < n; t++) {
      s += x[t * CH + c];
      s2 += x[t * CH + c] ** 2;
    }
    const sd = Math.sqrt(s2 / n - (s / n) ** 2);
    const want = c < 3 ? 0.1 : 1;
    assert.ok(Math.abs(sd - want) < 0.1 * want, `channel ${c}: sd ${sd}, want ${want}`);
  }
  assert.throws(() => augmentWindows(x, 1, n, CH, { rotation: 0.1, rotationGroups: [4] }, makeRng(1)), (e: Error) => e.message.includes('MODEL_ATTRIBUTE'));
});

test.run();
