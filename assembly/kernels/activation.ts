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

// Vectorised exp for the transcendental activations and softmax. Only
// non-positive arguments are ever needed (sigmoid and tanh fold the sign out,
// softmax subtracts the row max first), so nothing can overflow and the
// clamp below keeps 2^n a normal float.
//
// Range reduction (Cody and Waite, "Software Manual for the Elementary
// Functions", 1980): x = n ln2 + r, |r| <= ln2 / 2, with ln2 split in a high
// part of 9 significant bits (so n * LN2_HI is exact for |n| <= 126) and the
// rest. expm1(r) is its Taylor series to degree 7: the first omitted term,
// r^8 / 8!, is below 5.3e-9 on that interval, under 2e-8 relative to
// expm1(r): less than half an f32 ulp. Measured against f64: sigmoid and
// tanh stay within 2.5 ulps (test/kernels/activation.suite.ts holds them to 4).
const LOG2E: f32 = 1.4426950408889634;
const LN2_HI: f32 = 0.693359375;
const LN2_LO: f32 = -2.1219444005469057e-4;
/** ln(2^-126): below this 2^n would leave the normal range. */
const EXP_MIN: f32 = -87.33654475;
// Adding 1.5 * 2^23 rounds to an integer (to nearest even, the default mode)
// and leaves it in the low mantissa bits, two's complement: cheaper on x64
// engines than f32x4.nearest plus i32x4.trunc_sat, which both expand to
// several instructions there. The extra 127 is the exponent bias, so
// t = n + ROUND_MAGIC has n + 127 in its low bits and 2^n = t << 23 (the
// magic's own bits, all at bit 22 and up, shift out).
const ROUND_MAGIC: f32 = 12582912.0 + 127.0;

// The constants are read with broadcast loads from this table, one
// instruction each: engines rebuild every v128.const inside a loop from
// immediates, with several, and a hoisted splat is folded back into the loop
// by the optimiser. This was worth about 30% on sigmoid.
const EXP_TABLE: usize = memory.data<f32>([
  EXP_MIN, LOG2E, ROUND_MAGIC, LN2_HI, LN2_LO,
  1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5,
  1.0, -2.0, -0.0,
], 16);
const K_MIN: usize = 0;
const K_LOG2E: usize = 4;
const K_MAGIC: usize = 8;
const K_LN2_HI: usize = 12;
const K_LN2_LO: usize = 16;
const K_C7: usize = 20;
const K_C6: usize = 24;
const K_C5: usize = 28;
const K_C4: usize = 32;
const K_C3: usize = 36;
const K_C2: usize = 40;
const K_ONE: usize = 44;
const K_MINUS_TWO: usize = 48;
const K_SIGN: usize = 52; // -0.0: only the sign bit set

// @ts-ignore: decorator
@inline function k(offset: usize): v128 {
  return v128.load32_splat(EXP_TABLE + offset);
}

// @ts-ignore: decorator
@inline function expm1PolySimd(r: v128): v128 {
  let p = k(K_C7);
  p = f32x4.add(f32x4.mul(p, r), k(K_C6));
  p = f32x4.add(f32x4.mul(p, r), k(K_C5));
  p = f32x4.add(f32x4.mul(p, r), k(K_C4));
  p = f32x4.add(f32x4.mul(p, r), k(K_C3));
  p = f32x4.add(f32x4.mul(p, r), k(K_C2));
  // r + r^2 p keeps full relative accuracy for tiny r (no 1 + ... - 1).
  return f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p));
}

// exp(x) = 2^n exp(r): t = x log2(e) + ROUND_MAGIC holds n (and 2^n = t << 23),
// r = x - n ln2 in two steps. Callers clamp x first with pmax (a < b ? b : a,
// one instruction) rather than the NaN-exact max: a NaN x still propagates,
// since NaN < EXP_MIN is false.
// @ts-ignore: decorator
@inline function expRoundSimd(xc: v128): v128 {
  return f32x4.add(f32x4.mul(xc, k(K_LOG2E)), k(K_MAGIC));
}

// @ts-ignore: decorator
@inline function expReduceSimd(xc: v128, t: v128): v128 {
  const n = f32x4.sub(t, k(K_MAGIC));
  return f32x4.sub(f32x4.sub(xc, f32x4.mul(n, k(K_LN2_HI))), f32x4.mul(n, k(K_LN2_LO)));
}

/** exp(x) for x <= 0 (x below EXP_MIN gives ~1.2e-38, not a subnormal). */
// @ts-ignore: decorator
@inline function expNonPositiveSimd(x: v128): v128 {
  const xc = f32x4.pmax(x, k(K_MIN));
  const t = expRoundSimd(xc);
  const r = expReduceSimd(xc, t);
  return f32x4.mul(f32x4.add(expm1PolySimd(r), k(K_ONE)), i32x4.shl(t, 23));
}

/** exp(x) - 1 for x <= 0, accurate relative to the result also near 0. */
// @ts-ignore: decorator
@inline function expm1NonPositiveSimd(x: v128): v128 {
  const xc = f32x4.pmax(x, k(K_MIN));
  const t = expRoundSimd(xc);
  const r = expReduceSimd(xc, t);
  const scale = i32x4.shl(t, 23);
  // 2^n expm1(r) + (2^n - 1): both terms exact but the sum, and for n <= -1
  // they have the same sign, so there is no cancellation.
  return f32x4.add(f32x4.mul(expm1PolySimd(r), scale), f32x4.sub(scale, k(K_ONE)));
}

// @ts-ignore: decorator
@inline function sigmoidSimd(v: v128): v128 {
  // e = exp(-|v|) never overflows; sigmoid(v) = 1 / (1 + e) for v >= 0 and
  // e / (1 + e) for v < 0, one division either way.
  const one = k(K_ONE);
  const e = expNonPositiveSimd(v128.or(v, k(K_SIGN)));
  const num = v128.bitselect(one, e, f32x4.ge(v, f32x4.splat(0)));
  return f32x4.div(num, f32x4.add(one, e));
}

// @ts-ignore: decorator
@inline function tanhSimd(v: v128): v128 {
  // tanh|v| = -m / (2 + m) = m / (-2 - m) with m = expm1(-2|v|): no 1 - e
  // cancellation near 0, and m -> -1 gives exactly 1 for large |v|. The sign
  // of v is put back last.
  const sign = k(K_SIGN);
  const minusTwo = k(K_MINUS_TWO);
  const m = expm1NonPositiveSimd(f32x4.mul(f32x4.abs(v), minusTwo));
  const t = f32x4.div(m, f32x4.sub(minusTwo, m));
  return v128.or(t, v128.and(v, sign));
}

// The last 1..3 values of a row go through the vector code too, in a
// zero-padded vector: libm's scalar tanh and exp branch on the magnitude, so
// a scalar tail cost what the data made it. A conv epilogue with 11 outputs
// a pixel (3 in the tail) measured 2.8x apart between two weight sets
// (bench/time-model --layers); the vector code takes the same time for any
// value. Lane loads and stores, zero-filled, so nothing past the row is read
// or written. The scalar build runs the same arithmetic one value at a time.
// @ts-ignore: decorator
@inline function loadTail(x: usize, rest: i32): v128 {
  if (rest == 1) return v128.load32_zero(x);
  const v = v128.load64_zero(x);
  return rest == 2 ? v : v128.load32_lane(x + 8, v, 2);
}

// @ts-ignore: decorator
@inline function storeTail(y: usize, v: v128, rest: i32): void {
  if (rest == 1) {
    v128.store32_lane(y, v, 0);
    return;
  }
  v128.store64_lane(y, v, 0);
  if (rest == 3) v128.store32_lane(y + 8, v, 2);
}

// Staging for the last partial vector of a softmax row (len % 4 != 0).
const tailScratch: usize = memory.data(16, 16);

// The scalar twins of the vector code above, operation for operation (wasm
// has no fused multiply-add, so each lane of the vector code rounds the same
// way): the same results on both builds, and a time that does not depend on
// the value, which libm's branches on the magnitude would.
// @ts-ignore: decorator
@inline function expm1PolyScalar(r: f32): f32 {
  let p: f32 = 1.0 / 5040.0;
  p = p * r + <f32>(1.0 / 720.0);
  p = p * r + <f32>(1.0 / 120.0);
  p = p * r + <f32>(1.0 / 24.0);
  p = p * r + <f32>(1.0 / 6.0);
  p = p * r + <f32>0.5;
  return r + r * r * p;
}

// x clamped, t holding n (2^n = t << 23), r = x - n ln2: as expRoundSimd and expReduceSimd.
// @ts-ignore: decorator
@inline function expClampScalar(x: f32): f32 {
  return x < EXP_MIN ? EXP_MIN : x;
}

// @ts-ignore: decorator
@inline function expReduceScalar(xc: f32, t: f32): f32 {
  const n = t - ROUND_MAGIC;
  return (xc - n * LN2_HI) - n * LN2_LO;
}

// @ts-ignore: decorator
@inline function expScaleScalar(t: f32): f32 {
  return reinterpret<f32>(reinterpret<i32>(t) << 23);
}

// @ts-ignore: decorator
@inline function sigmoidScalar(v: f32): f32 {
  // e = exp(-|v|), then 1 / (1 + e) for v >= 0 and e / (1 + e) below.
  const xc = expClampScalar(-Mathf.abs(v));
  const t = xc * LOG2E + ROUND_MAGIC;
  const e = (expm1PolyScalar(expReduceScalar(xc, t)) + <f32>1) * expScaleScalar(t);
  return (v >= 0 ? <f32>1 : e) / (<f32>1 + e);
}

// @ts-ignore: decorator
@inline function tanhScalar(v: f32): f32 {
  const xc = expClampScalar(Mathf.abs(v) * <f32>-2);
  const t = xc * LOG2E + ROUND_MAGIC;
  const scale = expScaleScalar(t);
  const m = expm1PolyScalar(expReduceScalar(xc, t)) * scale + (scale - <f32>1);
  return copysign<f32>(m / (<f32>-2 - m), v);
}

export function sigmoidF32(x: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, sigmoidSimd(v128.load(x + o)));
    }
    if (i < count) {
      const o = <usize>i << 2;
      storeTail(y + o, sigmoidSimd(loadTail(x + o, count - i)), count - i);
      return;
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, sigmoidScalar(load<f32>(x + o)));
  }
}

export function tanhF32(x: usize, y: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, tanhSimd(v128.load(x + o)));
    }
    if (i < count) {
      const o = <usize>i << 2;
      storeTail(y + o, tanhSimd(loadTail(x + o, count - i)), count - i);
      return;
    }
  }
  for (; i < count; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, tanhScalar(load<f32>(x + o)));
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

/** The standalone activation op (same codes and parameters as the epilogues). */
export function activationF32(x: usize, y: usize, count: i32, act: i32, p0: f32, p1: f32): void {
  applyActivationF32(x, y, count, act, p0, p1);
}

// Softmax over the middle axis of an [outer, len, inner] view: inner == 1 is
// the usual last-axis case (rows are contiguous), inner > 1 a softmax over an
// earlier axis (lanes of one softmax are `inner` floats apart). The row max is
// subtracted first, so exp only sees arguments <= 0 and cannot overflow.
// x == y is allowed: every pass reads an element before it writes it.


export function softmaxF32(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  softmaxAxis(x, y, outer, len, inner, false);
}

/** log(softmax(x)) = (x - max) - log(sum(exp(x - max))), without forming the quotient. */
export function logSoftmaxF32(x: usize, y: usize, outer: i32, len: i32, inner: i32): void {
  softmaxAxis(x, y, outer, len, inner, true);
}

function softmaxAxis(x: usize, y: usize, outer: i32, len: i32, inner: i32, isLog: bool): void {
  const block = <usize>len * <usize>inner << 2;
  const stride = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * block;
    const yo = y + <usize>o * block;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      if (inner == 1) {
        softmaxRowSimd(xo, yo, len, isLog);
        continue;
      }
      for (; j + 4 <= inner; j += 4) {
        const off = <usize>j << 2;
        softmaxLanesSimd(xo + off, yo + off, len, stride, isLog);
      }
    }
    for (; j < inner; j++) {
      const off = <usize>j << 2;
      softmaxLaneScalar(xo + off, yo + off, len, stride, isLog);
    }
  }
}

/** One softmax whose len elements are `stride` bytes apart. */
function softmaxLaneScalar(x: usize, y: usize, len: i32, stride: usize, isLog: bool): void {
  const end = <usize>len * stride;
  let m = <f32>-Infinity;
  for (let p: usize = 0; p < end; p += stride) m = max(m, load<f32>(x + p));
  let sum: f32 = 0;
  if (isLog) {
    for (let p: usize = 0; p < end; p += stride) sum += Mathf.exp(load<f32>(x + p) - m);
    const lse = Mathf.log(sum);
    for (let p: usize = 0; p < end; p += stride) store<f32>(y + p, (load<f32>(x + p) - m) - lse);
  } else {
    for (let p: usize = 0; p < end; p += stride) {
      const e = Mathf.exp(load<f32>(x + p) - m);
      store<f32>(y + p, e);
      sum += e;
    }
    const inv = <f32>1 / sum;
    for (let p: usize = 0; p < end; p += stride) store<f32>(y + p, load<f32>(y + p) * inv);
  }
}

// @ts-ignore: decorator
@inline function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

/** A contiguous row: 4 elements per step, the tail with the same vector exp on a padded copy. */
function softmaxRowSimd(x: usize, y: usize, len: i32, isLog: bool): void {
  const body = len & ~3;
  const tail = len - body;
  const tailOff = <usize>body << 2;
  let vmax = f32x4.splat(-Infinity);
  // pmax (one instruction; max is several on x64): a NaN is skipped here but
  // still turns the row into NaN through its exp.
  for (let i = 0; i < body; i += 4) vmax = f32x4.pmax(vmax, v128.load(x + (<usize>i << 2)));
  let m = hmax(vmax);
  for (let i = body; i < len; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  const vm = f32x4.splat(m);
  // The tail goes through the vector exp too (one padded vector, -inf lanes
  // contribute exp = ~0 after the clamp, masked out below), so every element
  // of a row is computed the same way.
  let xt = f32x4.splat(-Infinity);
  if (tail > 0) {
    memory.copy(tailScratch, x + tailOff, <usize>tail << 2);
    memory.fill(tailScratch + (<usize>tail << 2), 0, <usize>(4 - tail) << 2);
    xt = v128.load(tailScratch);
  }
  const tailMask = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(tail));
  let vsum = f32x4.splat(0);
  if (isLog) {
    for (let i = 0; i < body; i += 4) vsum = f32x4.add(vsum, expNonPositiveSimd(f32x4.sub(v128.load(x + (<usize>i << 2)), vm)));
    vsum = f32x4.add(vsum, v128.and(expNonPositiveSimd(f32x4.sub(xt, vm)), tailMask));
    const lse = f32x4.splat(Mathf.log(hsum(vsum)));
    for (let i = 0; i < body; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.sub(f32x4.sub(v128.load(x + o), vm), lse));
    }
    if (tail > 0) {
      v128.store(tailScratch, f32x4.sub(f32x4.sub(xt, vm), lse));
      memory.copy(y + tailOff, tailScratch, <usize>tail << 2);
    }
  } else {
    for (let i = 0; i < body; i += 4) {
      const o = <usize>i << 2;
      const e = expNonPositiveSimd(f32x4.sub(v128.load(x + o), vm));
      v128.store(y + o, e);
      vsum = f32x4.add(vsum, e);
    }
    const et = v128.and(expNonPositiveSimd(f32x4.sub(xt, vm)), tailMask);
    vsum = f32x4.add(vsum, et);
    const inv = f32x4.splat(<f32>1 / hsum(vsum));
    for (let i = 0; i < body; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(v128.load(y + o), inv));
    }
    if (tail > 0) {
      v128.store(tailScratch, f32x4.mul(et, inv));
      memory.copy(y + tailOff, tailScratch, <usize>tail << 2);
    }
  }
}

/** Four neighbouring softmaxes at once (inner >= 4): lane j of each vector is softmax j. */
function softmaxLanesSimd(x: usize, y: usize, len: i32, stride: usize, isLog: bool): void {
  const end = <usize>len * stride;
  let vm = f32x4.splat(-Infinity);
  for (let p: usize = 0; p < end; p += stride) vm = f32x4.pmax(vm, v128.load(x + p));
  let vsum = f32x4.splat(0);
  if (isLog) {
    for (let p: usize = 0; p < end; p += stride) vsum = f32x4.add(vsum, expNonPositiveSimd(f32x4.sub(v128.load(x + p), vm)));
    let lse = f32x4.splat(0);
    lse = f32x4.replace_lane(lse, 0, Mathf.log(f32x4.extract_lane(vsum, 0)));
    lse = f32x4.replace_lane(lse, 1, Mathf.log(f32x4.extract_lane(vsum, 1)));
    lse = f32x4.replace_lane(lse, 2, Mathf.log(f32x4.extract_lane(vsum, 2)));
    lse = f32x4.replace_lane(lse, 3, Mathf.log(f32x4.extract_lane(vsum, 3)));
    for (let p: usize = 0; p < end; p += stride) v128.store(y + p, f32x4.sub(f32x4.sub(v128.load(x + p), vm), lse));
  } else {
    for (let p: usize = 0; p < end; p += stride) {
      const e = expNonPositiveSimd(f32x4.sub(v128.load(x + p), vm));
      v128.store(y + p, e);
      vsum = f32x4.add(vsum, e);
    }
    const inv = f32x4.div(f32x4.splat(1), vsum);
    for (let p: usize = 0; p < end; p += stride) v128.store(y + p, f32x4.mul(v128.load(y + p), inv));
  }
}
