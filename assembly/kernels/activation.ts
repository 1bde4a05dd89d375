// Element-wise activations. Every kernel may run in place (x == y).
// The same codes are fused into the epilogue of dense and convolution.

export const ACT_NONE: i32 = 0;
export const ACT_RELU: i32 = 1;
export const ACT_CLIP: i32 = 2; // relu6 is clip(0, 6)
export const ACT_LEAKY_RELU: i32 = 3; // p0 = alpha
export const ACT_SIGMOID: i32 = 4;
export const ACT_TANH: i32 = 5;
export const ACT_HARD_SWISH: i32 = 6;
export const ACT_HARD_SIGMOID: i32 = 7; // p0 = alpha, p1 = beta

export function reluF32(x: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.max(v128.load(x + o), zero));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

export function clipF32(x: usize, y: usize, count: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo);
    const vhi = f32x4.splat(hi);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(load<f32>(x + o), lo), hi));
  }
}

export function leakyReluF32(x: usize, y: usize, count: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const zero = f32x4.splat(0);
    const va = f32x4.splat(alpha);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(y + o, v128.bitselect(v, f32x4.mul(v, va), f32x4.gt(v, zero)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : v * alpha);
  }
}

// hardSigmoid(x) = clip(alpha * x + beta, 0, 1)  (ONNX HardSigmoid)
export function hardSigmoidF32(x: usize, y: usize, count: i32, alpha: f32, beta: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    const vb = f32x4.splat(beta);
    const zero = f32x4.splat(0);
    const one = f32x4.splat(1);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const v = f32x4.add(f32x4.mul(v128.load(x + o), va), vb);
      v128.store(y + o, f32x4.min(f32x4.max(v, zero), one));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(load<f32>(x + o) * alpha + beta, <f32>0), <f32>1));
  }
}

// hardSwish(x) = x * relu6(x + 3) / 6  (ONNX HardSwish, MobileNetV3)
export function hardSwishF32(x: usize, y: usize, count: i32): void {
  let i = 0;
  const sixth: f32 = 1.0 / 6.0;
  if (ASC_FEATURE_SIMD) {
    const three = f32x4.splat(3);
    const six = f32x4.splat(6);
    const zero = f32x4.splat(0);
    const vs = f32x4.splat(sixth);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const r = f32x4.min(f32x4.max(f32x4.add(v, three), zero), six);
      v128.store(y + o, f32x4.mul(f32x4.mul(v, r), vs));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v * min(max(v + 3, <f32>0), <f32>6) * sixth);
  }
}

export function sigmoidF32(x: usize, y: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    // Split by sign so exp never overflows.
    if (v >= 0) {
      store<f32>(y + o, <f32>1 / (<f32>1 + Mathf.exp(-v)));
    } else {
      const e = Mathf.exp(v);
      store<f32>(y + o, e / (<f32>1 + e));
    }
  }
}

export function tanhF32(x: usize, y: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, Mathf.tanh(load<f32>(x + o)));
  }
}

// One entry point for fused epilogues (dense, conv, depthwise).
export function applyActivationF32(x: usize, y: usize, count: i32, act: i32, p0: f32, p1: f32): void {
  switch (act) {
    case ACT_NONE: {
      if (x != y) memory.copy(y, x, <usize>count << 2);
      break;
    }
    case ACT_RELU: reluF32(x, y, count); break;
    case ACT_CLIP: clipF32(x, y, count, p0, p1); break;
    case ACT_LEAKY_RELU: leakyReluF32(x, y, count, p0); break;
    case ACT_SIGMOID: sigmoidF32(x, y, count); break;
    case ACT_TANH: tanhF32(x, y, count); break;
    case ACT_HARD_SWISH: hardSwishF32(x, y, count); break;
    case ACT_HARD_SIGMOID: hardSigmoidF32(x, y, count, p0, p1); break;
    default: unreachable();
  }
}
