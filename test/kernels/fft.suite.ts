// fftF32 against the f64 direct DFT on both builds, plus the host OpDef fft:
// shape inference, attribute errors, normalisations, and a run through
// compile + run.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUILDS, makeHarness, type KernelHarness } from '../helpers/wasm.ts';
import { assertClose, sumTolerance } from '../helpers/compare.ts';
import { makeRng, type Rng } from '../helpers/random.ts';
import { runHostOp } from '../helpers/host-op.ts';
import { fftRef } from '../reference/fft.ts';
import { fftOp, fftBins, fftScratchBytes, fftTwiddles } from '../../src/ops/fft.ts';
import { isTinysenseError, type ErrorCode } from '../../src/errors.ts';
import type { Attrs } from '../../src/graph/model.ts';
import { createBuilder } from '../../src/graph/builder.ts';
import { writeModel } from '../../src/format/write.ts';
import { loadModel } from '../../src/runtime/session.ts';

const POISON = 0x7f7f7f7f;

/** Packs the twiddles, runs fftF32 on count = n * intervals intervals and checks against the reference. */
function checkFft(h: KernelHarness, rng: Rng, n: number, intervals: number, length: number, c: number): void {
  h.reset();
  const bins = fftBins(length);
  const cols = 2 * bins;
  const count = n * intervals;
  const x = rng.floats(count * length * c, 3);
  const packed = h.alloc(h.call('gemmPackedBytes', length, cols));
  h.call('packGemmF32', h.put(fftTwiddles(length)), cols, 0, packed, length, cols);
  const scratchBytes = h.call('fftScratchBytes', count, length, c);
  assert.is(scratchBytes, fftScratchBytes(count, length, c), `host mirror of fftScratchBytes ${[count, length, c]}`);
  const scratch = h.alloc(scratchBytes);
  const outCount = count * bins * 2 * c;
  const y = h.alloc((outCount + 4) * 4);
  h.call('fftF32', h.put(x), packed, y, count, length, c, scratch);
  const guard = new Int32Array(h.k.memory.buffer, y + outCount * 4, 4);
  assert.ok(guard.every((v) => v === POISON), `fft wrote past its output ${[n, intervals, length, c]} build ${h.build}`);
  assertClose(h.getF32(y, outCount), fftRef(x, n, intervals, length, c), {
    rtol: sumTolerance(length) * 2, atol: 1e-6, label: 'fft', shape: [n, intervals, length, c], build: h.build,
  });
}

for (const build of BUILDS) {
  test(`fft: lengths, channels and interval counts, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(11);
    // Lengths: 1 and 2 (degenerate bins), odd and prime, powers of two, the
    // default 20, one past a panel edge; channels 1 (direct GEMM path), odd,
    // 3 and 6 (IMU sensors); interval counts below, at and above the block of 16.
    for (const length of [1, 2, 3, 5, 7, 8, 16, 20, 31, 64]) {
      for (const c of [1, 2, 3, 6]) checkFft(h, rng, 1, 2, length, c);
    }
    for (const [n, intervals] of [[1, 1], [1, 15], [1, 16], [1, 17], [3, 11], [2, 16], [5, 10]]) {
      for (const c of [1, 3, 9]) checkFft(h, rng, n, intervals, 20, c);
    }
  });

  test(`fft: a pure tone lands in its bin, ${build}`, () => {
    const h = makeHarness(build);
    const length = 20;
    const bins = fftBins(length);
    const x = new Float32Array(length);
    for (let t = 0; t < length; t++) x[t] = Math.cos((2 * Math.PI * 3 * t) / length);
    const out = runHostOp(h, fftOp, [{ shape: [1, length, 1], data: x }], { intervals: 1, length });
    assert.equal(out.shape, [1, 1, bins, 2]);
    for (let b = 0; b < bins; b++) {
      const want = b === 3 ? length / 2 : 0;
      assert.ok(Math.abs(out.data[2 * b] - want) < 1e-4 && Math.abs(out.data[2 * b + 1]) < 1e-4, `bin ${b}: ${out.data[2 * b]}, ${out.data[2 * b + 1]} build ${build}`);
    }
  });

  test(`fft op: compile + run.ts, normalisations, ${build}`, () => {
    const h = makeHarness(build);
    const rng = makeRng(12);
    for (const [normalize, scale] of [['none', 1], ['ortho', 1 / Math.sqrt(20)], ['length', 1 / 20]] as const) {
      for (const [n, intervals, c] of [[1, 10, 6], [4, 10, 3], [2, 3, 1]]) {
        h.reset();
        const x = rng.floats(n * intervals * 20 * c);
        const attrs: Attrs = { intervals, length: 20, ...(normalize === 'none' ? {} : { normalize }) };
        const out = runHostOp(h, fftOp, [{ shape: [n, intervals * 20, c], data: x }], attrs);
        assert.equal(out.shape, [n, intervals, 11, 2 * c]);
        assert.is(out.macs, n * intervals * 20 * c * 22);
        assertClose(out.data, fftRef(x, n, intervals, 20, c, scale), { rtol: sumTolerance(20) * 2, atol: 1e-7, label: `fft op ${normalize}`, shape: out.shape, build });
      }
    }
  });
}

for (const build of BUILDS) {
  test(`fft in a model: .tsm round trip, then one sensor's channels as a contiguous slice, ${build}`, () => {
    // A 2-window batch of 10 s at 20 Hz, 6 axes -> [2, 10, 11, 12]; the gyroscope's axes 3..5 are output channels 6..11.
    const b = createBuilder('fft-model');
    const x = b.input('x', [2, 200, 6]);
    const [f] = b.op('fft', [x], { intervals: 10, length: 20, normalize: 'ortho' });
    b.output(f, 'y');
    const s = loadModel(writeModel(b.build()), { build });
    const data = makeRng(13).floats(2 * 200 * 6);
    const y = s.run({ x: data }).y;
    assert.equal(y.shape, [2, 10, 11, 12]);
    const want = fftRef(data, 2, 10, 20, 6, 1 / Math.sqrt(20));
    assertClose(y.data, want, { rtol: sumTolerance(20) * 2, atol: 1e-7, label: 'fft model', shape: y.shape, build });
    const gyro = new Float32Array(2 * 200 * 3);
    for (let i = 0; i < 400; i++) for (let a = 0; a < 3; a++) gyro[i * 3 + a] = data[i * 6 + 3 + a];
    const wantGyro = fftRef(gyro, 2, 10, 20, 3, 1 / Math.sqrt(20));
    for (let row = 0; row < 2 * 10 * 11; row++) {
      for (let j = 0; j < 6; j++) assert.ok(Math.abs(y.data[row * 12 + 6 + j] - wantGyro[row * 6 + j]) < 1e-4, `row ${row} channel ${6 + j}`);
    }
  });
}

function expectError(code: ErrorCode, fn: () => unknown, label: string): void {
  try {
    fn();
  } catch (e) {
    assert.ok(isTinysenseError(e), `${label}: not a TinysenseError: ${String(e)}`);
    assert.is(e.code, code, `${label}: ${e.message}`);
    return;
  }
  assert.unreachable(`${label}: no error`);
}

test('fft op: shape inference and errors', () => {
  const where = { op: 'f' };
  const x = { shape: [2, 200, 6], dtype: 'f32' as const };
  assert.equal(fftOp.infer([x], { intervals: 10, length: 20 }, where)[0].shape, [2, 10, 11, 12]);
  assert.equal(fftOp.infer([{ shape: [1, 21, 2], dtype: 'f32' }], { intervals: 1, length: 21 }, where)[0].shape, [1, 1, 11, 4]);
  expectError('MODEL_SHAPE_MISMATCH', () => fftOp.infer([x], { intervals: 9, length: 20 }, where), 'T != intervals x length');
  expectError('MODEL_SHAPE_MISMATCH', () => fftOp.infer([{ shape: [200, 6], dtype: 'f32' }], { intervals: 10, length: 20 }, where), 'rank 2');
  expectError('MODEL_ATTRIBUTE', () => fftOp.infer([x], { length: 20 }, where), 'missing intervals');
  expectError('MODEL_ATTRIBUTE', () => fftOp.infer([x], { intervals: 10, length: 0 }, where), 'length 0');
  expectError('MODEL_ATTRIBUTE', () => fftOp.infer([x], { intervals: 10, length: 20, normalize: 'unit' }, where), 'unknown normalize');
});

test('fft twiddles: Parseval on a real signal', () => {
  // With 'ortho' scaling, sum over bins of |X_b|^2 weighted by 2 (except DC and
  // Nyquist) equals sum_t x_t^2: checks the matrix the trainer reuses for backward.
  for (const length of [4, 5, 20]) {
    const d = fftTwiddles(length, 'ortho');
    const bins = fftBins(length);
    const rng = makeRng(length);
    const x = rng.floats(length);
    let energy = 0;
    for (const v of x) energy += v * v;
    let spectral = 0;
    for (let b = 0; b < bins; b++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < length; t++) {
        re += x[t] * d[t * 2 * bins + 2 * b];
        im += x[t] * d[t * 2 * bins + 2 * b + 1];
      }
      const twice = b === 0 || (length % 2 === 0 && b === length / 2) ? 1 : 2;
      spectral += twice * (re * re + im * im);
    }
    assert.ok(Math.abs(spectral - energy) < 1e-5 * Math.max(1, energy), `Parseval length ${length}: ${spectral} vs ${energy}`);
  }
});

test.run();
