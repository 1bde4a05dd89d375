// Shape and data-movement ops. reshape, flatten, squeeze, unsqueeze and
// identity only relabel the same bytes ('alias': no records). transpose,
// slice, concat and split are strided copies (assembly/kernels/copy.ts):
// each is described once, at load, as an output shape plus source and
// destination strides; the pure helpers below build those descriptors and
// merge the dims that are contiguous on both sides, so the kernel runs long
// rows at a small rank.
//
// Attribute semantics follow the ONNX operators of the same names
// (onnx/docs/Operators.md): reshape 0 copies the input dim, slice clamps
// starts and ends per step sign, negative axes count from the end.
import { fail, type ErrorWhere } from '../errors.ts';
import { elementCount, type Attrs, type DType } from '../graph/model.ts';
import { OPCODES } from './opcodes.ts';
import { intAttr, intsAttr } from './attrs.ts';
import { rawWeight, type CompiledOp, type OpAddresses, type OpContext, type OpDef, type OpRecord, type ShapeInfo, type WeightRequest } from './types.ts';

/** Largest descriptor rank the copy and binary kernels take (COPY_MAX_RANK, BINARY_MAX_RANK). */
export const KERNEL_MAX_RANK = 6;

/** Row-major strides in elements. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d];
  }
  return s;
}

export interface CollapsedDims {
  shape: number[];
  /** One stride list per operand, same order as given. */
  strides: number[][];
}

/**
 * Drops dims of 1 and merges each pair of neighbouring dims that every
 * operand walks as one (stride[d] == stride[d+1] * shape[d+1]), so an
 * iteration over `shape` visits the same elements in the same order with
 * fewer, longer rows. Never returns rank 0: a single element is [1].
 */
export function collapseDims(shape: readonly number[], strides: readonly (readonly number[])[]): CollapsedDims {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const top = outShape.length - 1;
    if (top >= 0 && strides.every((s, k) => outStrides[k][top] === s[d] * shape[d])) {
      outShape[top] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][top] = s[d]));
    } else {
      outShape.push(shape[d]);
      strides.forEach((s, k) => outStrides[k].push(s[d]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strides.map(() => [1]) };
  return { shape: outShape, strides: outStrides };
}

/** dst[idx . dst] = src[srcOffset + idx . src] over `shape` (elements), before merging dims. */
export interface StridedCopy {
  shape: number[];
  src: number[];
  dst: number[];
  srcOffset: number;
  dstOffset: number;
}

/** The merged descriptor of a copy: what the COPY_STRIDED / TRANSPOSE record carries. */
export interface CopyDescriptor {
  opcode: number;
  shape: number[];
  src: number[];
  dst: number[];
  srcOffset: number;
  dstOffset: number;
}

/**
 * Merges dims and picks the kernel: the tiled transpose when the dim the
 * source reads contiguously is not the innermost destination dim (moved to
 * the second-to-last position, which the tiled kernel expects), else the
 * row copy.
 */
export function describeCopy(c: StridedCopy): CopyDescriptor {
  const { shape, strides: [src, dst] } = collapseDims(c.shape, [c.src, c.dst]);
  const last = shape.length - 1;
  const k = src.indexOf(1);
  if (last >= 1 && k >= 0 && k !== last && dst[last] === 1) {
    const order = [...shape.keys()].filter((d) => d !== k && d !== last).concat([k, last]);
    return {
      opcode: OPCODES.TRANSPOSE,
      shape: order.map((d) => shape[d]),
      src: order.map((d) => src[d]),
      dst: order.map((d) => dst[d]),
      srcOffset: c.srcOffset,
      dstOffset: c.dstOffset,
    };
  }
  return { opcode: OPCODES.COPY_STRIDED, shape, src, dst, srcOffset: c.srcOffset, dstOffset: c.dstOffset };
}

/** The record of a copy between two base addresses (bytes); elements are 4 bytes. */
export function copyRecord(d: CopyDescriptor, srcAddr: number, dstAddr: number): OpRecord {
  return {
    opcode: d.opcode,
    args: [srcAddr + 4 * d.srcOffset, dstAddr + 4 * d.dstOffset, d.shape.length, ...d.shape, ...d.src, ...d.dst],
  };
}

function checkRank(d: CopyDescriptor, where: ErrorWhere, field: string): void {
  if (d.shape.length > KERNEL_MAX_RANK) {
    fail('MODEL_SHAPE_MISMATCH', 'the copy has too many independent dims for the kernel', { where: { ...where, field }, expected: `at most ${KERNEL_MAX_RANK} after merging contiguous dims`, found: `[${d.shape}]` });
  }
}

function normalizeAxis(axis: number, rank: number, where: ErrorWhere, field: string): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
    fail('MODEL_ATTRIBUTE', `${field} out of range for a rank-${rank} input`, { where: { ...where, field }, expected: `an integer in [${-rank}, ${rank - 1}]`, found: axis });
  }
  return axis < 0 ? axis + rank : axis;
}

function normalizeAxes(axes: readonly number[], rank: number, where: ErrorWhere, field: string): number[] {
  const out = axes.map((a) => normalizeAxis(a, rank, where, field));
  if (new Set(out).size !== out.length) {
    fail('MODEL_ATTRIBUTE', `${field} repeats an axis`, { where: { ...where, field }, expected: 'distinct axes', found: `[${axes}]` });
  }
  return out;
}

function input0(ins: (ShapeInfo | undefined)[], where: ErrorWhere): ShapeInfo {
  const x = ins[0];
  if (!x) return fail('MODEL_SHAPE_MISMATCH', 'the op needs an input', { where: { ...where, field: 'inputs' }, expected: '1 input', found: 'none' });
  return x;
}

// The copy kernels move 4-byte elements (the bits of f32 and i32 alike).
function checkWordDtype(t: ShapeInfo, where: ErrorWhere, field: string): void {
  if (t.dtype !== 'f32' && t.dtype !== 'i32') {
    fail('MODEL_TENSOR', 'the copy kernels move 4-byte elements', { where: { ...where, field }, expected: 'f32 or i32', found: t.dtype });
  }
}

/** Where input `i` lives: its weight buffer when it is a constant, else the arena. */
function sourceAddresses(ins: (ShapeInfo | undefined)[], weights: WeightRequest[]): (a: OpAddresses, i: number) => number {
  const slot = ins.map((t) => (t?.data ? weights.push(rawWeight(t.data)) - 1 : -1));
  return (a, i) => (slot[i] >= 0 ? a.weight(slot[i]) : a.input(i));
}

// ---------------------------------------------------------------- aliases

/**
 * An alias needs no work, except when its input is a constant: constants
 * have no arena bytes to share, so the output gets its own buffer and one
 * copy fills it.
 */
function compileAlias({ ins }: OpContext): CompiledOp {
  const x = ins[0]!;
  if (!x.data) return { weights: [], scratchBytes: 0, records: () => [] };
  const n = elementCount(x.shape);
  const copy: CopyDescriptor = { opcode: OPCODES.COPY_STRIDED, shape: [n], src: [1], dst: [1], srcOffset: 0, dstOffset: 0 };
  return { weights: [rawWeight(x.data)], scratchBytes: 0, records: (a) => (n === 0 ? [] : [copyRecord(copy, a.weight(0), a.output(0))]) };
}

function aliasOp(type: string, shapeOf: (x: ShapeInfo, attrs: Attrs, where: ErrorWhere) => number[]): OpDef {
  return {
    type,
    inputs: [{ name: 'x', dtypes: ['f32', 'i32'] }],
    outputs: 1,
    memory: 'alias',
    infer(ins, attrs, where) {
      const x = input0(ins, where);
      return [{ shape: shapeOf(x, attrs, where), dtype: x.dtype }];
    },
    macs: () => 0,
    compile: compileAlias,
  };
}

/** reshape's output shape: one -1 is inferred, 0 copies the input dim at that index (ONNX). */
export function resolveReshape(inShape: readonly number[], target: readonly number[], where: ErrorWhere): number[] {
  const total = elementCount(inShape);
  if (target.filter((d) => d === -1).length > 1) {
    fail('MODEL_ATTRIBUTE', 'reshape shape may contain at most one -1', { where: { ...where, field: 'shape' }, expected: 'at most one -1', found: `[${target}]` });
  }
  const out = target.map((d, i) => {
    if (d === 0) {
      if (i >= inShape.length) {
        fail('MODEL_ATTRIBUTE', 'reshape shape has a 0 (copy the input dim) past the input rank', { where: { ...where, field: 'shape' }, expected: `0 only at indices < ${inShape.length}`, found: `[${target}]` });
      }
      return inShape[i];
    }
    if (d < -1) fail('MODEL_ATTRIBUTE', 'reshape dims must be >= -1', { where: { ...where, field: 'shape' }, expected: 'dims >= -1', found: `[${target}]` });
    return d;
  });
  const hole = out.indexOf(-1);
  if (hole >= 0) {
    const known = elementCount(out.filter((_, i) => i !== hole));
    if (known === 0 || total % known !== 0) {
      fail('MODEL_SHAPE_MISMATCH', 'reshape cannot infer its -1 dim', { where: { ...where, field: 'shape' }, expected: `a shape whose other dims divide ${total} elements [${inShape}]`, found: `[${target}]` });
    }
    out[hole] = total / known;
  }
  if (elementCount(out) !== total) {
    fail('MODEL_SHAPE_MISMATCH', 'reshape must keep the element count', { where: { ...where, field: 'shape' }, expected: `${total} elements (input [${inShape}])`, found: `[${out}] = ${elementCount(out)} elements` });
  }
  return out;
}

export const reshapeOp = aliasOp('reshape', (x, attrs, where) => resolveReshape(x.shape, intsAttr(attrs, 'shape', where, undefined, undefined, -Infinity), where));

export const flattenOp = aliasOp('flatten', (x, attrs, where) => {
  const r = x.shape.length;
  let axis = intAttr(attrs, 'axis', where, 1, -r, r);
  if (axis < 0) axis += r;
  return [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))];
});

export const squeezeOp = aliasOp('squeeze', (x, attrs, where) => {
  const r = x.shape.length;
  if (attrs.axes === undefined) return x.shape.filter((d) => d !== 1);
  const axes = normalizeAxes(intsAttr(attrs, 'axes', where, undefined), r, where, 'axes');
  for (const a of axes) {
    if (x.shape[a] !== 1) fail('MODEL_SHAPE_MISMATCH', `squeeze axis ${a} is not of size 1`, { where: { ...where, field: 'axes' }, expected: `dim ${a} == 1`, found: `[${x.shape}]` });
  }
  return x.shape.filter((_, d) => !axes.includes(d));
});

export const unsqueezeOp = aliasOp('unsqueeze', (x, attrs, where) => {
  const given = intsAttr(attrs, 'axes', where, undefined);
  const outRank = x.shape.length + given.length;
  const axes = normalizeAxes(given, outRank, where, 'axes');
  const out: number[] = [];
  let next = 0;
  for (let d = 0; d < outRank; d++) out.push(axes.includes(d) ? 1 : x.shape[next++]);
  return out;
});

export const identityOp = aliasOp('identity', (x) => [...x.shape]);

// ---------------------------------------------------------------- transpose

/** perm, defaulting to the reversed dims (ONNX); throws unless it is a permutation of 0..rank-1. */
export function resolvePerm(rank: number, attrs: Attrs, where: ErrorWhere): number[] {
  const perm = intsAttr(attrs, 'perm', where, undefined, [...Array(rank).keys()].reverse());
  const seen = new Set(perm);
  if (perm.length !== rank || seen.size !== rank || perm.some((p) => p < 0 || p >= rank)) {
    fail('MODEL_ATTRIBUTE', 'transpose perm must be a permutation of the input dims', { where: { ...where, field: 'perm' }, expected: `a permutation of 0..${rank - 1}`, found: `[${perm}]` });
  }
  return perm;
}

export function transposeCopy(inShape: readonly number[], perm: readonly number[]): StridedCopy {
  const inStrides = contiguousStrides(inShape);
  const shape = perm.map((p) => inShape[p]);
  return { shape, src: perm.map((p) => inStrides[p]), dst: contiguousStrides(shape), srcOffset: 0, dstOffset: 0 };
}

export const transposeOp: OpDef = {
  type: 'transpose',
  inputs: [{ name: 'x', dtypes: ['f32', 'i32'] }],
  outputs: 1,
  infer(ins, attrs, where) {
    const x = input0(ins, where);
    checkWordDtype(x, where, 'x');
    const perm = resolvePerm(x.shape.length, attrs, where);
    checkRank(describeCopy(transposeCopy(x.shape, perm)), where, 'perm');
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  macs: () => 0,
  compile({ op, ins, attrs }) {
    const x = ins[0]!;
    const d = describeCopy(transposeCopy(x.shape, resolvePerm(x.shape.length, attrs, { op: op.name })));
    const weights: WeightRequest[] = [];
    const src = sourceAddresses(ins, weights);
    const empty = elementCount(x.shape) === 0;
    return { weights, scratchBytes: 0, records: (a) => (empty ? [] : [copyRecord(d, src(a, 0), a.output(0))]) };
  },
};

// ---------------------------------------------------------------- slice

export interface ResolvedSlice {
  /** Per input dim: first index read, step, and count of the output. */
  starts: number[];
  steps: number[];
  shape: number[];
}

/**
 * ONNX Slice: negative starts/ends add the dim; then starts clamp to
 * [0, dim] (step > 0) or [0, dim - 1] (step < 0), ends to [0, dim] or
 * [-1, dim - 1]; the count is max(0, ceil((end - start) / step)).
 */
export function resolveSlice(inShape: readonly number[], attrs: Attrs, where: ErrorWhere): ResolvedSlice {
  const r = inShape.length;
  const starts = intsAttr(attrs, 'starts', where, undefined);
  const ends = intsAttr(attrs, 'ends', where, starts.length);
  const axes = normalizeAxes(intsAttr(attrs, 'axes', where, starts.length, [...starts.keys()]), r, where, 'axes');
  const steps = intsAttr(attrs, 'steps', where, starts.length, starts.map(() => 1));
  const out: ResolvedSlice = { starts: inShape.map(() => 0), steps: inShape.map(() => 1), shape: [...inShape] };
  axes.forEach((axis, i) => {
    const dim = inShape[axis];
    const step = steps[i];
    if (step === 0) fail('MODEL_ATTRIBUTE', 'slice steps must not be 0', { where: { ...where, field: 'steps' }, expected: 'non-zero steps', found: `[${steps}]` });
    let start = starts[i] < 0 ? starts[i] + dim : starts[i];
    let end = ends[i] < 0 ? ends[i] + dim : ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), dim);
      end = Math.min(Math.max(end, 0), dim);
    } else {
      start = Math.min(Math.max(start, 0), dim - 1);
      end = Math.min(Math.max(end, -1), dim - 1);
    }
    out.starts[axis] = start;
    out.steps[axis] = step;
    out.shape[axis] = Math.max(0, Math.ceil((end - start) / step));
  });
  return out;
}

export function sliceCopy(inShape: readonly number[], s: ResolvedSlice): StridedCopy {
  const inStrides = contiguousStrides(inShape);
  return {
    shape: [...s.shape],
    src: inStrides.map((st, d) => st * s.steps[d]),
    dst: contiguousStrides(s.shape),
    srcOffset: s.shape.some((d) => d === 0) ? 0 : s.starts.reduce((acc, st, d) => acc + st * inStrides[d], 0),
    dstOffset: 0,
  };
}

export const sliceOp: OpDef = {
  type: 'slice',
  inputs: [{ name: 'x', dtypes: ['f32', 'i32'] }],
  outputs: 1,
  infer(ins, attrs, where) {
    const x = input0(ins, where);
    checkWordDtype(x, where, 'x');
    const s = resolveSlice(x.shape, attrs, where);
    checkRank(describeCopy(sliceCopy(x.shape, s)), where, 'steps');
    return [{ shape: s.shape, dtype: x.dtype }];
  },
  macs: () => 0,
  compile({ op, ins, outs, attrs }) {
    const x = ins[0]!;
    const d = describeCopy(sliceCopy(x.shape, resolveSlice(x.shape, attrs, { op: op.name })));
    const weights: WeightRequest[] = [];
    const src = sourceAddresses(ins, weights);
    const empty = elementCount(outs[0].shape) === 0;
    return { weights, scratchBytes: 0, records: (a) => (empty ? [] : [copyRecord(d, src(a, 0), a.output(0))]) };
  },
};

// ---------------------------------------------------------------- concat / split

/**
 * The copies between each part and its slot along `axis` of the whole, as
 * [outer, part] rows: outer = product of the dims before the axis.
 */
export function partCopies(whole: readonly number[], axis: number, sizes: readonly number[], partIsSource: boolean): StridedCopy[] {
  const outer = elementCount(whole.slice(0, axis));
  const inner = elementCount(whole.slice(axis + 1));
  const wholeRow = whole[axis] * inner;
  let offset = 0;
  return sizes.map((size) => {
    const partRow = size * inner;
    const part = [partRow, 1];
    const slot = [wholeRow, 1];
    const c: StridedCopy = {
      shape: [outer, partRow],
      src: partIsSource ? part : slot,
      dst: partIsSource ? slot : part,
      srcOffset: partIsSource ? 0 : offset,
      dstOffset: partIsSource ? offset : 0,
    };
    offset += partRow;
    return c;
  });
}

export const concatOp: OpDef = {
  type: 'concat',
  inputs: [{ name: 'inputs', variadic: true, dtypes: ['f32', 'i32'] }],
  outputs: 1,
  infer(ins, attrs, where) {
    const first = input0(ins, where);
    const r = first.shape.length;
    const axis = normalizeAxis(intAttr(attrs, 'axis', where), r, where, 'axis');
    let total = 0;
    ins.forEach((t, i) => {
      if (!t) return fail('MODEL_SHAPE_MISMATCH', `concat input ${i} is absent`, { where: { ...where, field: `inputs[${i}]` } });
      checkWordDtype(t, where, `inputs[${i}]`);
      if (t.dtype !== first.dtype) fail('MODEL_TENSOR', `concat input ${i} has another dtype than input 0`, { where: { ...where, field: `inputs[${i}]` }, expected: first.dtype, found: t.dtype });
      const same = t.shape.length === r && t.shape.every((d, k) => k === axis || d === first.shape[k]);
      if (!same) {
        const want = first.shape.map((d, k) => (k === axis ? '*' : String(d)));
        fail('MODEL_SHAPE_MISMATCH', `concat input ${i} does not match input 0 outside axis ${axis}`, { where: { ...where, field: `inputs[${i}]` }, expected: `[${want}]`, found: `[${t.shape}]` });
      }
      total += t.shape[axis];
    });
    return [{ shape: first.shape.map((d, k) => (k === axis ? total : d)), dtype: first.dtype }];
  },
  macs: () => 0,
  compile({ op, ins, outs, attrs }) {
    const whole = outs[0].shape;
    const axis = normalizeAxis(intAttr(attrs, 'axis', { op: op.name }), whole.length, { op: op.name }, 'axis');
    const sizes = ins.map((t) => t!.shape[axis]);
    const copies = partCopies(whole, axis, sizes, true).map(describeCopy);
    const weights: WeightRequest[] = [];
    const src = sourceAddresses(ins, weights);
    const live = ins.map((t) => elementCount(t!.shape) > 0);
    return {
      weights,
      scratchBytes: 0,
      records: (a) => copies.flatMap((c, i) => (live[i] ? [copyRecord(c, src(a, i), a.output(0))] : [])),
    };
  },
};

function splitSizes(attrs: Attrs, where: ErrorWhere): number[] {
  const sizes = intsAttr(attrs, 'sizes', where, undefined, undefined, 0);
  if (sizes.length === 0) fail('MODEL_ATTRIBUTE', 'split needs at least one size', { where: { ...where, field: 'sizes' }, expected: 'a non-empty list', found: '[]' });
  return sizes;
}

export const splitOp: OpDef = {
  type: 'split',
  inputs: [{ name: 'x', dtypes: ['f32', 'i32'] }],
  outputs: (attrs) => (Array.isArray(attrs.sizes) && attrs.sizes.length > 0 ? attrs.sizes.length : 1),
  infer(ins, attrs, where) {
    const x = input0(ins, where);
    checkWordDtype(x, where, 'x');
    const axis = normalizeAxis(intAttr(attrs, 'axis', where, 0), x.shape.length, where, 'axis');
    const sizes = splitSizes(attrs, where);
    const sum = sizes.reduce((s, v) => s + v, 0);
    if (sum !== x.shape[axis]) {
      fail('MODEL_SHAPE_MISMATCH', `split sizes must add up to dim ${axis} of the input`, { where: { ...where, field: 'sizes' }, expected: `sum ${x.shape[axis]} (input [${x.shape}])`, found: `[${sizes}] (sum ${sum})` });
    }
    return sizes.map((s) => ({ shape: x.shape.map((d, k) => (k === axis ? s : d)), dtype: x.dtype as DType }));
  },
  macs: () => 0,
  compile({ op, ins, outs, attrs }) {
    const x = ins[0]!;
    const where = { op: op.name };
    const axis = normalizeAxis(intAttr(attrs, 'axis', where, 0), x.shape.length, where, 'axis');
    const copies = partCopies(x.shape, axis, splitSizes(attrs, where), false).map(describeCopy);
    const weights: WeightRequest[] = [];
    const src = sourceAddresses(ins, weights);
    const live = outs.map((t) => elementCount(t.shape) > 0);
    return {
      weights,
      scratchBytes: 0,
      records: (a) => copies.flatMap((c, i) => (live[i] ? [copyRecord(c, src(a, 0), a.output(i))] : [])),
    };
  },
};
