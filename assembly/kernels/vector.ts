// Element-wise vector helpers shared by the recurrent kernels (forward and
// training) and the gradient accumulations of the training kernels. Every one
// reads element i before writing it, so y may alias any input.

import { mulAdd } from './mul-add';

/** y[i] += x[i]. */
export function accumulateF32(x: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(y + o), v128.load(x + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + load<f32>(x + o));
  }
}

/** y = a + b. */
export function addF32(a: usize, b: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.add(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o));
  }
}

/** y = a * b. */
export function mulF32(a: usize, b: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

/** y = a + b * c. */
export function fmaF32(a: usize, b: usize, c: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, mulAdd(v128.load(b + o), v128.load(c + o), v128.load(a + o)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) + load<f32>(b + o) * load<f32>(c + o));
  }
}

/** hNew = hh + z * (hPrev - hh). */
export function blendF32(z: usize, hh: usize, hPrev: usize, hNew: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const c = v128.load(hh + o);
      v128.store(hNew + o, mulAdd(v128.load(z + o), f32x4.sub(v128.load(hPrev + o), c), c));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const c = load<f32>(hh + o);
    store<f32>(hNew + o, c + load<f32>(z + o) * (load<f32>(hPrev + o) - c));
  }
}
