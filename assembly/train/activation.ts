// Derivatives of the activations (same codes as kernels/activation.ts):
// dx = dy * f'(x). Each reads whichever of x (the pre-activation) and y
// (the output) gives the derivative in fewest operations: y for sigmoid
// and tanh, x for the piecewise ones. dx may equal dy (in place).

import { ACT_NONE, ACT_RELU, ACT_CLIP, ACT_LEAKY_RELU, ACT_SIGMOID, ACT_TANH, ACT_HARD_SWISH, ACT_HARD_SIGMOID } from '../kernels/activation';

/** dx = dy * f'(x) for activation `act` with parameters p0, p1. */
export function activationBackwardF32(x: usize, y: usize, dy: usize, dx: usize, count: i32, act: i32, p0: f32, p1: f32): void {
  switch (act) {
    case ACT_NONE: if (dx != dy) memory.copy(dx, dy, <usize>count << 2); break;
    case ACT_RELU: clipBackward(x, dy, dx, count, 0, Infinity); break;
    case ACT_CLIP: clipBackward(x, dy, dx, count, p0, p1); break;
    case ACT_LEAKY_RELU: leakyBackward(x, dy, dx, count, p0); break;
    case ACT_SIGMOID: sigmoidBackward(y, dy, dx, count); break;
    case ACT_TANH: tanhBackward(y, dy, dx, count); break;
    case ACT_HARD_SWISH: hardSwishBackward(x, dy, dx, count); break;
    case ACT_HARD_SIGMOID: hardSigmoidBackward(x, dy, dx, count, p0, p1); break;
    default: unreachable();
  }
}

// relu is clip(0, +inf): the gradient passes where lo < x < hi.
function clipBackward(x: usize, dy: usize, dx: usize, count: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo);
    const vhi = f32x4.splat(hi);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(dx + o, v128.and(v128.load(dy + o), v128.and(f32x4.gt(v, vlo), f32x4.lt(v, vhi))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, v > lo && v < hi ? load<f32>(dy + o) : 0);
  }
}

function leakyBackward(x: usize, dy: usize, dx: usize, count: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    const zero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const g = v128.load(dy + o);
      v128.store(dx + o, v128.bitselect(g, f32x4.mul(g, va), f32x4.gt(v128.load(x + o), zero)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? g : g * alpha);
  }
}

function sigmoidBackward(y: usize, dy: usize, dx: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const s = v128.load(y + o);
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.mul(s, f32x4.sub(one, s))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const s = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * s * (1 - s));
  }
}

function tanhBackward(y: usize, dy: usize, dx: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const t = v128.load(y + o);
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(t, t))));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const t = load<f32>(y + o);
    store<f32>(dx + o, load<f32>(dy + o) * (1 - t * t));
  }
}

// hardSwish(x) = x * clip(x + 3, 0, 6) / 6: derivative 0 below -3, 1 above 3,
// (2x + 3) / 6 between (Howard et al. 2019, "Searching for MobileNetV3").
function hardSwishBackward(x: usize, dy: usize, dx: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const three = f32x4.splat(3);
    const mthree = f32x4.splat(-3);
    const sixth = f32x4.splat(<f32>1 / 6);
    const one = f32x4.splat(1);
    const zero = f32x4.splat(0);
    const two = f32x4.splat(2);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      let d = f32x4.mul(f32x4.add(f32x4.mul(v, two), three), sixth);
      d = v128.bitselect(one, d, f32x4.ge(v, three));
      d = v128.bitselect(zero, d, f32x4.le(v, mthree));
      v128.store(dx + o, f32x4.mul(v128.load(dy + o), d));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    const d: f32 = v <= -3 ? 0 : v >= 3 ? 1 : (2 * v + 3) / 6;
    store<f32>(dx + o, load<f32>(dy + o) * d);
  }
}

function hardSigmoidBackward(x: usize, dy: usize, dx: usize, count: i32, alpha: f32, beta: f32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const a = alpha * load<f32>(x + o) + beta;
    store<f32>(dx + o, a > 0 && a < 1 ? load<f32>(dy + o) * alpha : 0);
  }
}

/**
 * Backward of softmax over contiguous rows of `len`: dx = y * (dy - sum(dy * y)).
 * dx may equal dy.
 */
export function softmaxBackwardF32(y: usize, dy: usize, dx: usize, rows: i32, len: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = (<usize>r * <usize>len) << 2;
    const yr = y + off;
    const gr = dy + off;
    const xr = dx + off;
    let dot: f32 = 0;
    for (let i = 0; i < len; i++) dot += load<f32>(yr + (<usize>i << 2)) * load<f32>(gr + (<usize>i << 2));
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vd = f32x4.splat(dot);
      for (; i + 4 <= len; i += 4) {
        const o = <usize>i << 2;
        v128.store(xr + o, f32x4.mul(v128.load(yr + o), f32x4.sub(v128.load(gr + o), vd)));
      }
    }
    for (; i < len; i++) {
      const o = <usize>i << 2;
      store<f32>(xr + o, load<f32>(yr + o) * (load<f32>(gr + o) - dot));
    }
  }
}
