// Optimiser steps over a flat parameter vector, in place, so a gateway can
// fine-tune with no JavaScript math loop. Every step first forms
// g' = g * gradScale (+ weightDecay * p for L2 decay), gradScale carrying
// global-norm clipping. Conventions are PyTorch's (torch.optim):
//   SGD     v = momentum v + g';  p -= lr (nesterov ? g' + momentum v : v)
//           (Sutskever et al. 2013);
//   Adam    m = b1 m + (1-b1) g';  v = b2 v + (1-b2) g'^2;
//           p -= lr (m / bc1) / (sqrt(v / bc2) + eps)  (Kingma & Ba 2015),
//           bc1 = 1 - b1^t, bc2 = 1 - b2^t from the host; with decoupled != 0
//           the decay is p -= lr wd p instead (AdamW, Loshchilov & Hutter 2019);
//   RMSProp s = rho s + (1-rho) g'^2;  p -= lr g' / (sqrt(s) + eps)  (Hinton,
//           Lecture 6e), with optional momentum on the scaled step.

export function sgdStepF32(p: usize, g: usize, vel: usize, count: i32, lr: f32, momentum: f32, weightDecay: f32, gradScale: f32, nesterov: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    const vmo = f32x4.splat(momentum);
    const vwd = f32x4.splat(weightDecay);
    const vgs = f32x4.splat(gradScale);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o);
      const gv = f32x4.add(f32x4.mul(v128.load(g + o), vgs), f32x4.mul(pv, vwd));
      let step = gv;
      if (momentum != 0) {
        const v = f32x4.add(f32x4.mul(v128.load(vel + o), vmo), gv);
        v128.store(vel + o, v);
        step = nesterov != 0 ? f32x4.add(gv, f32x4.mul(v, vmo)) : v;
      }
      v128.store(p + o, f32x4.sub(pv, f32x4.mul(step, vlr)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) * gradScale + pv * weightDecay;
    let step = gv;
    if (momentum != 0) {
      const v = load<f32>(vel + o) * momentum + gv;
      store<f32>(vel + o, v);
      step = nesterov != 0 ? gv + v * momentum : v;
    }
    store<f32>(p + o, pv - step * lr);
  }
}

export function adamStepF32(
  p: usize, g: usize, m: usize, v: usize, count: i32, lr: f32, beta1: f32, beta2: f32, eps: f32,
  weightDecay: f32, decoupled: i32, gradScale: f32, bc1: f32, bc2: f32,
): void {
  const l2: f32 = decoupled != 0 ? 0 : weightDecay;
  const dw: f32 = decoupled != 0 ? lr * weightDecay : 0;
  const ib1: f32 = 1 / bc1;
  const ib2: f32 = 1 / bc2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(beta1);
    const vb2 = f32x4.splat(beta2);
    const vc1 = f32x4.splat(1 - beta1);
    const vc2 = f32x4.splat(1 - beta2);
    const vl2 = f32x4.splat(l2);
    const vdw = f32x4.splat(dw);
    const vgs = f32x4.splat(gradScale);
    const vib1 = f32x4.splat(ib1);
    const vib2 = f32x4.splat(ib2);
    const veps = f32x4.splat(eps);
    const vlr = f32x4.splat(lr);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o);
      const gv = f32x4.add(f32x4.mul(v128.load(g + o), vgs), f32x4.mul(pv, vl2));
      const mv = f32x4.add(f32x4.mul(v128.load(m + o), vb1), f32x4.mul(gv, vc1));
      const vv = f32x4.add(f32x4.mul(v128.load(v + o), vb2), f32x4.mul(f32x4.mul(gv, gv), vc2));
      v128.store(m + o, mv);
      v128.store(v + o, vv);
      const den = f32x4.add(f32x4.sqrt(f32x4.mul(vv, vib2)), veps);
      const step = f32x4.div(f32x4.mul(mv, vib1), den);
      v128.store(p + o, f32x4.sub(f32x4.sub(pv, f32x4.mul(step, vlr)), f32x4.mul(pv, vdw)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) * gradScale + pv * l2;
    const mv = load<f32>(m + o) * beta1 + gv * (1 - beta1);
    const vv = load<f32>(v + o) * beta2 + gv * gv * (1 - beta2);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    const step = (mv * ib1) / (Mathf.sqrt(vv * ib2) + eps);
    store<f32>(p + o, pv - step * lr - pv * dw);
  }
}

export function rmspropStepF32(
  p: usize, g: usize, sq: usize, mom: usize, count: i32, lr: f32, rho: f32, eps: f32,
  momentum: f32, weightDecay: f32, gradScale: f32,
): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vrho = f32x4.splat(rho);
    const vc = f32x4.splat(1 - rho);
    const veps = f32x4.splat(eps);
    const vlr = f32x4.splat(lr);
    const vmo = f32x4.splat(momentum);
    const vwd = f32x4.splat(weightDecay);
    const vgs = f32x4.splat(gradScale);
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      const pv = v128.load(p + o);
      const gv = f32x4.add(f32x4.mul(v128.load(g + o), vgs), f32x4.mul(pv, vwd));
      const s = f32x4.add(f32x4.mul(v128.load(sq + o), vrho), f32x4.mul(f32x4.mul(gv, gv), vc));
      v128.store(sq + o, s);
      let step = f32x4.div(gv, f32x4.add(f32x4.sqrt(s), veps));
      if (momentum != 0) {
        step = f32x4.add(f32x4.mul(v128.load(mom + o), vmo), step);
        v128.store(mom + o, step);
      }
      v128.store(p + o, f32x4.sub(pv, f32x4.mul(step, vlr)));
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    const pv = load<f32>(p + o);
    const gv = load<f32>(g + o) * gradScale + pv * weightDecay;
    const s = load<f32>(sq + o) * rho + gv * gv * (1 - rho);
    store<f32>(sq + o, s);
    let step = gv / (Mathf.sqrt(s) + eps);
    if (momentum != 0) {
      step = load<f32>(mom + o) * momentum + step;
      store<f32>(mom + o, step);
    }
    store<f32>(p + o, pv - lr * step);
  }
}

/** Sum of squares (f64 accumulation): the global gradient norm for clipping. */
export function sumSquaresF32(x: usize, count: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      const s = f32x4.mul(v, v);
      total += <f64>f32x4.extract_lane(s, 0) + <f64>f32x4.extract_lane(s, 1) + <f64>f32x4.extract_lane(s, 2) + <f64>f32x4.extract_lane(s, 3);
    }
  }
  for (; i < count; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}
