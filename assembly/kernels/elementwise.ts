// Element-wise binary ops with multidirectional broadcasting (NumPy rules, as
// ONNX specifies them in docs/Broadcasting.md).
//
// The host describes the iteration once, at load: the output shape and, per
// input, a stride in elements for every output dim (0 where the input is
// broadcast). It first drops dims of 1 and merges dims that are contiguous in
// both inputs, so `rank` is small and the innermost dim is as long as
// possible. Every row of the innermost dim then falls into one of four
// patterns, each a tight (SIMD) loop:
//   (1, 1) both contiguous: same shapes, or a per-channel vector in
//          channels-last, where the outer rows restart b;
//   (1, 0) b constant along the row (a scalar, or [N, L, 1]);
//   (0, 1) a constant along the row;
//   anything else: a strided scalar loop (never produced for contiguous
//          tensors, kept so any descriptor runs).
// y may equal a (in place): each row reads a[i] before writing y[i].

export const BIN_ADD: i32 = 0;
export const BIN_SUB: i32 = 1;
export const BIN_MUL: i32 = 2;
export const BIN_DIV: i32 = 3;
export const BIN_MAX: i32 = 4;
export const BIN_MIN: i32 = 5;

/** Largest rank of a descriptor (after the host merged dims). */
export const BINARY_MAX_RANK: i32 = 6;

// Index counters of the outer dims (the odometer), so the kernel never allocates.
const counters: usize = memory.data(BINARY_MAX_RANK * 4, 16);

// `op` is a constant at every call site below, so each inlined copy folds to
// one instruction: no per-element dispatch.
// @ts-ignore: decorator
@inline function applyF32(op: i32, x: f32, y: f32): f32 {
  if (op == BIN_ADD) return x + y;
  if (op == BIN_SUB) return x - y;
  if (op == BIN_MUL) return x * y;
  if (op == BIN_DIV) return x / y;
  if (op == BIN_MAX) return max(x, y);
  return min(x, y);
}

// @ts-ignore: decorator
@inline function applyF32x4(op: i32, x: v128, y: v128): v128 {
  if (op == BIN_ADD) return f32x4.add(x, y);
  if (op == BIN_SUB) return f32x4.sub(x, y);
  if (op == BIN_MUL) return f32x4.mul(x, y);
  if (op == BIN_DIV) return f32x4.div(x, y);
  // f32x4.max/min propagate NaN like the scalar f32.max/min, so both builds agree.
  if (op == BIN_MAX) return f32x4.max(x, y);
  return f32x4.min(x, y);
}

// @ts-ignore: decorator
@inline function rowOp(op: i32, a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void {
  let i = 0;
  if (sa == 1 && sb == 1) {
    if (ASC_FEATURE_SIMD) {
      for (; i + 8 <= n; i += 8) {
        const o = <usize>i << 2;
        const v0 = applyF32x4(op, v128.load(a + o), v128.load(b + o));
        const v1 = applyF32x4(op, v128.load(a + o, 16), v128.load(b + o, 16));
        v128.store(y + o, v0);
        v128.store(y + o, v1, 16);
      }
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, applyF32x4(op, v128.load(a + o), v128.load(b + o)));
      }
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, applyF32(op, load<f32>(a + o), load<f32>(b + o)));
    }
  } else if (sa == 1 && sb == 0) {
    const s = load<f32>(b);
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(s);
      for (; i + 8 <= n; i += 8) {
        const o = <usize>i << 2;
        const v0 = applyF32x4(op, v128.load(a + o), vs);
        const v1 = applyF32x4(op, v128.load(a + o, 16), vs);
        v128.store(y + o, v0);
        v128.store(y + o, v1, 16);
      }
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, applyF32x4(op, v128.load(a + o), vs));
      }
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, applyF32(op, load<f32>(a + o), s));
    }
  } else if (sa == 0 && sb == 1) {
    const s = load<f32>(a);
    if (ASC_FEATURE_SIMD) {
      const vs = f32x4.splat(s);
      for (; i + 8 <= n; i += 8) {
        const o = <usize>i << 2;
        const v0 = applyF32x4(op, vs, v128.load(b + o));
        const v1 = applyF32x4(op, vs, v128.load(b + o, 16));
        v128.store(y + o, v0);
        v128.store(y + o, v1, 16);
      }
      for (; i + 4 <= n; i += 4) {
        const o = <usize>i << 2;
        v128.store(y + o, applyF32x4(op, vs, v128.load(b + o)));
      }
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      store<f32>(y + o, applyF32(op, s, load<f32>(b + o)));
    }
  } else {
    const stepA = <usize>sa << 2;
    const stepB = <usize>sb << 2;
    let pa = a;
    let pb = b;
    for (; i < n; i++) {
      store<f32>(y + (<usize>i << 2), applyF32(op, load<f32>(pa), load<f32>(pb)));
      pa += stepA;
      pb += stepB;
    }
  }
}

// One specialised row routine per op (rowOp inlined with a constant op).
function rowAdd(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_ADD, a, b, y, n, sa, sb); }
function rowSub(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_SUB, a, b, y, n, sa, sb); }
function rowMul(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_MUL, a, b, y, n, sa, sb); }
function rowDiv(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_DIV, a, b, y, n, sa, sb); }
function rowMax(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_MAX, a, b, y, n, sa, sb); }
function rowMin(a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void { rowOp(BIN_MIN, a, b, y, n, sa, sb); }

// @ts-ignore: decorator
@inline function runRow(op: i32, a: usize, b: usize, y: usize, n: i32, sa: i32, sb: i32): void {
  switch (op) {
    case BIN_ADD: rowAdd(a, b, y, n, sa, sb); break;
    case BIN_SUB: rowSub(a, b, y, n, sa, sb); break;
    case BIN_MUL: rowMul(a, b, y, n, sa, sb); break;
    case BIN_DIV: rowDiv(a, b, y, n, sa, sb); break;
    case BIN_MAX: rowMax(a, b, y, n, sa, sb); break;
    default: rowMin(a, b, y, n, sa, sb);
  }
}

/**
 * y = a <op> b with broadcasting. `desc` holds i32 words
 * [outShape[rank], aStrides[rank], bStrides[rank]] (strides in elements, 0 on
 * broadcast dims); y is contiguous over outShape. 1 <= rank <= BINARY_MAX_RANK.
 */
export function binaryF32(op: i32, a: usize, b: usize, y: usize, rank: i32, desc: usize): void {
  const last = rank - 1;
  const n = load<i32>(desc + (<usize>last << 2));
  const sa = load<i32>(desc + (<usize>(rank + last) << 2));
  const sb = load<i32>(desc + (<usize>(2 * rank + last) << 2));
  if (rank == 1) {
    runRow(op, a, b, y, n, sa, sb);
    return;
  }
  // Dim rank-2 is a plain loop of rows (short rows, e.g. a bias over 6
  // channels, make its overhead the cost); the dims above it step an odometer.
  const rows = load<i32>(desc + (<usize>(last - 1) << 2));
  const rowA = <usize>load<i32>(desc + (<usize>(rank + last - 1) << 2)) << 2;
  const rowB = <usize>load<i32>(desc + (<usize>(2 * rank + last - 1) << 2)) << 2;
  let planes = 1;
  for (let d = 0; d < last - 1; d++) {
    planes *= load<i32>(desc + (<usize>d << 2));
    store<i32>(counters + (<usize>d << 2), 0);
  }
  const rowBytes = <usize>n << 2;
  let offA: i32 = 0;
  let offB: i32 = 0;
  let yp = y;
  for (let p = 0; p < planes; p++) {
    let pa = a + (<usize>offA << 2);
    let pb = b + (<usize>offB << 2);
    for (let r = 0; r < rows; r++) {
      runRow(op, pa, pb, yp, n, sa, sb);
      pa += rowA;
      pb += rowB;
      yp += rowBytes;
    }
    for (let d = last - 2; d >= 0; d--) {
      const cp = counters + (<usize>d << 2);
      const c = load<i32>(cp) + 1;
      const dimA = load<i32>(desc + (<usize>(rank + d) << 2));
      const dimB = load<i32>(desc + (<usize>(2 * rank + d) << 2));
      if (c < load<i32>(desc + (<usize>d << 2))) {
        store<i32>(cp, c);
        offA += dimA;
        offB += dimB;
        break;
      }
      store<i32>(cp, 0);
      offA -= dimA * (c - 1);
      offB -= dimB * (c - 1);
    }
  }
}
