// Constant evaluation at import: the ONNX ops that shape subgraphs
// (Shape -> Gather -> Unsqueeze -> Concat -> Reshape), weight
// preprocessing and initial states are made of, evaluated on plain arrays in
// the ONNX (row-major, channels-first) order. Floats are rounded to f32 after
// every op, as onnxruntime computes them in f32 (one IEEE operation in f64
// then rounded gives the correctly rounded f32 result).
import { broadcastShape, broadcastStrides } from '../../ops/elementwise.ts';
import { elementCount } from '../../graph/model.ts';
import type { ConstDType } from './parse.ts';
import { makeConst, type ConstValue } from './context.ts';

/** Element-wise over the broadcast of a and b (NumPy rules, as ONNX). */
export function broadcastBinary(a: ConstValue, b: ConstValue, f: (x: number, y: number) => number, dtype: ConstDType): ConstValue {
  const shape = broadcastShape(a.shape, b.shape);
  const sa = broadcastStrides(a.shape, shape);
  const sb = broadcastStrides(b.shape, shape);
  const n = elementCount(shape);
  const out = dtype === 'float' ? new Float32Array(n) : new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < n; o++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    out[o] = f(a.data[ia], b.data[ib]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return makeConst(shape, dtype, out);
}

/** Broadcasts `v` to `shape` (Expand). */
export function expandConst(v: ConstValue, shape: number[]): ConstValue {
  const zero = makeConst(shape, v.dtype, new Float64Array(elementCount(shape)));
  return broadcastBinary(v, zero, (x) => x, v.dtype);
}

/** Elements start:end:step along `axis` (already resolved, end exclusive). */
export function sliceConst(v: ConstValue, axis: number, start: number, step: number, count: number): ConstValue {
  const outer = elementCount(v.shape.slice(0, axis));
  const len = v.shape[axis];
  const inner = elementCount(v.shape.slice(axis + 1));
  const out = new (v.data.constructor as { new (n: number): Float32Array | Float64Array })(outer * count * inner);
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (let c = 0; c < count; c++) {
      const base = (a * len + start + c * step) * inner;
      for (let i = 0; i < inner; i++) out[o++] = v.data[base + i];
    }
  }
  return makeConst(v.shape.map((d, k) => (k === axis ? count : d)), v.dtype, out);
}

/** Concatenation along `axis` of constants of equal rank. */
export function concatConst(parts: ConstValue[], axis: number, dtype: ConstDType): ConstValue {
  const first = parts[0].shape;
  const total = parts.reduce((s, p) => s + p.shape[axis], 0);
  const shape = first.map((d, k) => (k === axis ? total : d));
  const outer = elementCount(first.slice(0, axis));
  const out = dtype === 'float' ? new Float32Array(elementCount(shape)) : new Float64Array(elementCount(shape));
  let o = 0;
  for (let a = 0; a < outer; a++) {
    for (const p of parts) {
      const row = elementCount(p.shape.slice(axis));
      for (let i = 0; i < row; i++) out[o++] = p.data[a * row + i];
    }
  }
  return makeConst(shape, dtype, out);
}

/** Gather along `axis` with already normalised indices; the output shape is data[:axis] + indicesShape + data[axis+1:]. */
export function gatherConst(v: ConstValue, axis: number, indices: number[], indicesShape: number[]): ConstValue {
  const parts = indices.map((i) => sliceConst(v, axis, i, 1, 1));
  const joined = parts.length ? concatConst(parts, axis, v.dtype) : sliceConst(v, axis, 0, 1, 0);
  return makeConst([...v.shape.slice(0, axis), ...indicesShape, ...v.shape.slice(axis + 1)], v.dtype, joined.data);
}
