// Batch normalisation in training mode (Ioffe & Szegedy 2015, "Batch
// Normalization", Algorithm 1 and section 3): statistics of the batch over
// every row of a channels-last tensor [rows, c] (rows = N x spatial), the
// normalised output, running averages for inference, and the backward pass
//   dbeta = sum dy,  dgamma = sum dy * xhat,
//   dx = gamma * invstd / M * (M dy - dbeta - xhat * dgamma),  M = rows.
// Channels are contiguous, so every loop runs over channels 4 at a time.

import { accumulateF32 } from '../kernels/vector';

/**
 * y = gamma * (x - mean) * invstd + beta with the batch mean and biased
 * variance; writes mean and invstd (c floats each) for the backward pass and
 * updates runMean / runVar (unbiased variance, as PyTorch) as
 * run = momentum * run + (1 - momentum) * batch.
 */
export function batchNormTrainForwardF32(
  x: usize, rows: i32, c: i32, gamma: usize, beta: usize, eps: f32,
  y: usize, mean: usize, invstd: usize, runMean: usize, runVar: usize, momentum: f32,
): void {
  const rowBytes = <usize>c << 2;
  const m = <f32>rows;
  // Pass 1: mean. Pass 2: variance around it (no E[x^2] - E[x]^2 cancellation).
  memory.fill(mean, 0, rowBytes);
  for (let r = 0; r < rows; r++) accumulateF32(x + <usize>r * rowBytes, mean, c);
  scaleRow(mean, c, 1 / m);
  memory.fill(invstd, 0, rowBytes);
  for (let r = 0; r < rows; r++) addSquaredDiff(invstd, x + <usize>r * rowBytes, mean, c);
  const unbias: f32 = rows > 1 ? m / (m - 1) : 1;
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    const v = load<f32>(invstd + o) / m;
    store<f32>(runMean + o, momentum * load<f32>(runMean + o) + (1 - momentum) * load<f32>(mean + o));
    store<f32>(runVar + o, momentum * load<f32>(runVar + o) + (1 - momentum) * v * unbias);
    store<f32>(invstd + o, <f32>1 / Mathf.sqrt(v + eps));
  }
  for (let r = 0; r < rows; r++) normalizeRow(x + <usize>r * rowBytes, y + <usize>r * rowBytes, mean, invstd, gamma, beta, c);
}

/** y = gamma * (x - mean) / sqrt(var + eps) + beta with given statistics (inference form). */
export function batchNormInferenceF32(x: usize, rows: i32, c: i32, gamma: usize, beta: usize, mean: usize, variance: usize, eps: f32, y: usize, scratch: usize): void {
  for (let j = 0; j < c; j++) {
    const o = <usize>j << 2;
    store<f32>(scratch + o, <f32>1 / Mathf.sqrt(load<f32>(variance + o) + eps));
  }
  const rowBytes = <usize>c << 2;
  for (let r = 0; r < rows; r++) normalizeRow(x + <usize>r * rowBytes, y + <usize>r * rowBytes, mean, scratch, gamma, beta, c);
}

/** Gradients of batchNormTrainForwardF32; dx, dgamma, dbeta may be 0 except that dx needs both sums (scratch 2c floats then). */
export function batchNormBackwardF32(
  x: usize, dy: usize, rows: i32, c: i32, gamma: usize, mean: usize, invstd: usize,
  dx: usize, dgamma: usize, dbeta: usize, scratch: usize,
): void {
  const rowBytes = <usize>c << 2;
  const sg = dgamma != 0 ? dgamma : scratch;
  const sb = dbeta != 0 ? dbeta : scratch + rowBytes;
  // dgamma = sum dy * (x - mean) * invstd; dbeta = sum dy.
  memory.fill(sg, 0, rowBytes);
  memory.fill(sb, 0, rowBytes);
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    sumGradients(x + off, dy + off, mean, sg, sb, c);
  }
  for (let j = 0; j < c; j++) store<f32>(sg + (<usize>j << 2), load<f32>(sg + (<usize>j << 2)) * load<f32>(invstd + (<usize>j << 2)));
  if (dx == 0) return;
  const invM: f32 = <f32>1 / <f32>rows;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * rowBytes;
    inputGradientRow(x + off, dy + off, dx + off, mean, invstd, gamma, sg, sb, invM, c);
  }
}

function scaleRow(acc: usize, count: i32, s: f32): void {
  for (let i = 0; i < count; i++) store<f32>(acc + (<usize>i << 2), load<f32>(acc + (<usize>i << 2)) * s);
}

function addSquaredDiff(acc: usize, src: usize, mean: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const d = f32x4.sub(v128.load(src + o), v128.load(mean + o));
      v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(d, d)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const d = load<f32>(src + o) - load<f32>(mean + o);
    store<f32>(acc + o, load<f32>(acc + o) + d * d);
  }
}

function normalizeRow(x: usize, y: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(mean + o)), v128.load(invstd + o));
      v128.store(y + o, f32x4.add(f32x4.mul(xh, v128.load(gamma + o)), v128.load(beta + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const xh = (load<f32>(x + o) - load<f32>(mean + o)) * load<f32>(invstd + o);
    store<f32>(y + o, xh * load<f32>(gamma + o) + load<f32>(beta + o));
  }
}

// sg accumulates dy * (x - mean) (scaled by invstd afterwards), sb dy.
function sumGradients(x: usize, dy: usize, mean: usize, sg: usize, sb: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(sb + o, f32x4.add(v128.load(sb + o), g));
      v128.store(sg + o, f32x4.add(v128.load(sg + o), f32x4.mul(g, f32x4.sub(v128.load(x + o), v128.load(mean + o)))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(sb + o, load<f32>(sb + o) + g);
    store<f32>(sg + o, load<f32>(sg + o) + g * (load<f32>(x + o) - load<f32>(mean + o)));
  }
}

function inputGradientRow(x: usize, dy: usize, dx: usize, mean: usize, invstd: usize, gamma: usize, sg: usize, sb: usize, invM: f32, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = f32x4.splat(invM);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const is = v128.load(invstd + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o), v128.load(mean + o)), is);
      const inner = f32x4.sub(v128.load(dy + o), f32x4.mul(f32x4.add(v128.load(sb + o), f32x4.mul(xh, v128.load(sg + o))), vm));
      v128.store(dx + o, f32x4.mul(f32x4.mul(v128.load(gamma + o), is), inner));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const is = load<f32>(invstd + o);
    const xh = (load<f32>(x + o) - load<f32>(mean + o)) * is;
    const inner = load<f32>(dy + o) - (load<f32>(sb + o) + xh * load<f32>(sg + o)) * invM;
    store<f32>(dx + o, load<f32>(gamma + o) * is * inner);
  }
}
