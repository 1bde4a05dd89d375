// Data movement and shape subgraphs: Constant, Shape, Reshape, Flatten,
// Squeeze, Unsqueeze, Transpose, Concat, Split, Slice, Gather, Identity,
// Dropout, Pad, Expand, Cast, ConstantOfShape, Range. Semantics per
// onnx/docs/Operators.md for opsets 11-18 (inputs that were attributes in
// older opsets are read from either place).
import { elementCount } from '../../../graph/model.ts';
import { resolveReshape } from '../../../ops/shape.ts';
import { makeConst, normAxis, type ConstValue, type ImportContext, type TensorValue, type Value } from '../context.ts';
import { concatConst, expandConst, gatherConst, sliceConst } from '../fold.ts';
import { identityPerm } from '../layout.ts';
import type { OnnxNode } from '../parse.ts';
import { ONNX_DTYPE } from '../schema.ts';
import type { OpImporter } from './types.ts';

const ints = (v: ConstValue): number[] => Array.from(v.data, (x) => Math.trunc(x));

/** An axes / split / pads list that moved from an attribute (older opsets) to input `index`. */
function listInput(ctx: ImportContext, node: OnnxNode, attr: string, index: number): number[] | undefined {
  const fromAttr = ctx.ints(node, attr);
  if (fromAttr) return fromAttr;
  const v = ctx.constInput(node, index, attr, true);
  return v ? ints(v) : undefined;
}

// ------------------------------------------------------------- slicing helpers

/** A run start, start+step, ... (count elements) along ONNX axis `axis` of v. */
export function sliceAxis(ctx: ImportContext, v: Value, axis: number, start: number, step: number, count: number, name: string): Value {
  const dim = v.shape[axis];
  if (start === 0 && step === 1 && count === dim) return v;
  if (v.kind === 'const') return sliceConst(v, axis, start, step, count);
  const end = start + step * count;
  const ref = ctx.emit('slice', [v.ref], { starts: [start], ends: [end < 0 ? -dim - 1 : end], axes: [ctx.storedAxis(v, axis)], steps: [step] }, name)[0];
  return ctx.tensor(ref, v.shape.map((d, k) => (k === axis ? count : d)), v.perm);
}

/** Joins values of equal rank along ONNX axis `axis`, in the layout of the first runtime one. */
export function concatValues(ctx: ImportContext, parts: Value[], axis: number, name: string): Value {
  const live = parts.filter((p) => p.shape[axis] > 0);
  const lead = live.find((p): p is TensorValue => p.kind === 'tensor');
  if (!lead) {
    const consts = live as ConstValue[];
    const dtype = consts.some((c) => c.dtype === 'float') ? 'float' : consts[0]?.dtype ?? 'float';
    return concatConst(consts.length ? consts : (parts as ConstValue[]), axis, dtype);
  }
  if (live.length === 1) return lead;
  const refs = live.map((p, i) => ctx.as(p, lead.perm, `${name}/in${i}`));
  const ref = ctx.emit('concat', refs, { axis: ctx.storedAxis(lead, axis) }, name)[0];
  const total = live.reduce((s, p) => s + p.shape[axis], 0);
  return ctx.tensor(ref, lead.shape.map((d, k) => (k === axis ? total : d)), lead.perm);
}

/** ONNX Slice clamping for one axis: the first index and the element count. */
export function resolveSliceAxis(dim: number, start: number, end: number, step: number): { first: number; count: number } {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    return { first: start, count: Math.max(0, Math.ceil((end - start) / step)) };
  }
  start = Math.min(Math.max(start, 0), dim - 1);
  end = Math.min(Math.max(end, -1), dim - 1);
  return { first: start, count: Math.max(0, Math.ceil((start - end) / -step)) };
}

function gather(ctx: ImportContext, node: OnnxNode, data: Value, indices: ConstValue): Value {
  const axis = normAxis(ctx, node, ctx.int(node, 'axis', 0), data.shape.length);
  const dim = data.shape[axis];
  const idx = ints(indices).map((i) => (i < 0 ? i + dim : i));
  if (idx.some((i) => i < 0 || i >= dim)) return ctx.unsupported(node, `indices out of range for axis ${axis} of size ${dim}`, 'indices', `[${ints(indices)}]`);
  const outShape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  if (data.kind === 'const') return gatherConst(data, axis, idx, indices.shape);
  if (idx.length === 0) return ctx.unsupported(node, 'an empty gather is not supported', 'indices');
  const step = idx.length > 1 ? idx[1] - idx[0] : 1;
  const progression = step !== 0 && idx.every((v, i) => v === idx[0] + i * step);
  const picked = progression
    ? sliceAxis(ctx, data, axis, idx[0], step, idx.length, node.name)
    : concatValues(ctx, idx.map((i, n) => sliceAxis(ctx, data, axis, i, 1, 1, `${node.name}/${n}`)), axis, node.name);
  return ctx.reshape(picked, outShape, `${node.name}/reshape`);
}

// ------------------------------------------------------------- ops

const passThrough = (node: OnnxNode, ctx: ImportContext): Value[] => [ctx.get(node.inputs[0], node)];

export const constantOp: OpImporter = {
  attrs: ['value', 'value_float', 'value_floats', 'value_int', 'value_ints', 'sparse_value', 'value_string', 'value_strings'],
  foldsAny: true,
  fold(node, _ins, ctx) {
    const a = [...node.attrs.values()][0];
    if (!a) return ctx.unsupported(node, 'has no value attribute');
    if (a.t) return [makeConst(a.t.dims, a.t.dtype, a.t.data)];
    if (a.name === 'value_float' && a.f !== undefined) return [makeConst([], 'float', [a.f])];
    if (a.name === 'value_floats' && a.floats) return [makeConst([a.floats.length], 'float', a.floats)];
    if (a.name === 'value_int' && a.i !== undefined) return [makeConst([], 'int', [a.i])];
    if (a.name === 'value_ints' && a.ints) return [makeConst([a.ints.length], 'int', a.ints)];
    return ctx.unsupported(node, `constant attribute ${a.name} is not supported`, a.name);
  },
};

export const shapeOp: OpImporter = {
  attrs: ['start', 'end'],
  foldsAny: true,
  fold(node, [x], ctx) {
    const r = x!.shape.length;
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    const start = clamp(ctx.int(node, 'start', 0));
    const end = clamp(ctx.int(node, 'end', r));
    const dims = x!.shape.slice(start, Math.max(start, end));
    return [makeConst([dims.length], 'int', dims)];
  },
};

export const constantOfShapeOp: OpImporter = {
  attrs: ['value'],
  fold(node, [shape], ctx) {
    const dims = ints(shape as ConstValue);
    const t = ctx.attr(node, 'value')?.t;
    const n = elementCount(dims);
    const fill = t ? t.data[0] : 0;
    const dtype = t ? t.dtype : 'float';
    return [makeConst(dims, dtype, dtype === 'float' ? new Float32Array(n).fill(fill) : new Float64Array(n).fill(fill))];
  },
};

export const rangeOp: OpImporter = {
  attrs: [],
  fold(_node, [start, limit, delta]) {
    const [s, l, d] = [start, limit, delta].map((v) => (v as ConstValue).data[0]);
    const n = Math.max(Math.ceil((l - s) / d), 0);
    return [makeConst([n], (start as ConstValue).dtype, Array.from({ length: n }, (_, i) => s + i * d))];
  },
};

export const castOp: OpImporter = {
  attrs: ['to', 'saturate'],
  run(node, ctx) {
    if (ctx.int(node, 'to', 0) !== ONNX_DTYPE.FLOAT) return ctx.unsupported(node, 'only casts to FLOAT are supported on runtime data', 'to', ctx.int(node, 'to', 0));
    return passThrough(node, ctx);
  },
  fold(node, [x], ctx) {
    const to = ctx.int(node, 'to', 0);
    const v = x as ConstValue;
    if (to === ONNX_DTYPE.FLOAT || to === ONNX_DTYPE.DOUBLE || to === ONNX_DTYPE.FLOAT16) return [makeConst(v.shape, 'float', Float32Array.from(v.data))];
    if (to === ONNX_DTYPE.BOOL) return [makeConst(v.shape, 'bool', Array.from(v.data, (d) => (d !== 0 ? 1 : 0)))];
    return [makeConst(v.shape, 'int', Array.from(v.data, (d) => Math.trunc(d)))];
  },
};

function reshapeTarget(ctx: ImportContext, node: OnnxNode, x: Value): number[] {
  const target = ints(ctx.constInput(node, 1, 'shape'));
  if (ctx.int(node, 'allowzero', 0) === 1 && target.includes(0)) return ctx.unsupported(node, 'allowzero with a 0 in the shape makes an empty tensor', 'allowzero');
  return resolveReshape(x.shape, target, ctx.where(node, 'shape'));
}

export const reshapeOp: OpImporter = {
  attrs: ['allowzero'],
  run: (node, ctx) => [ctx.reshape(ctx.get(node.inputs[0], node), reshapeTarget(ctx, node, ctx.get(node.inputs[0], node)), node.name)],
  fold: (node, [x], ctx) => [ctx.reshape(x!, reshapeTarget(ctx, node, x!), node.name)],
};

function flattenShape(ctx: ImportContext, node: OnnxNode, x: Value): number[] {
  const r = x.shape.length;
  // Flatten's axis lies in [-r, r] (r itself: everything in the first dim).
  const raw = ctx.int(node, 'axis', 1);
  const axis = raw === r ? r : normAxis(ctx, node, raw, r);
  return [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))];
}

export const flattenOp: OpImporter = {
  attrs: ['axis'],
  run: (node, ctx) => {
    const x = ctx.get(node.inputs[0], node);
    return [ctx.reshape(x, flattenShape(ctx, node, x), node.name)];
  },
  fold: (node, [x], ctx) => [ctx.reshape(x!, flattenShape(ctx, node, x!), node.name)],
};

function squeezeShape(ctx: ImportContext, node: OnnxNode, x: Value): number[] {
  const r = x.shape.length;
  const given = listInput(ctx, node, 'axes', 1);
  if (!given) return x.shape.filter((d) => d !== 1);
  const axes = given.map((a) => normAxis(ctx, node, a, r, 'axes'));
  for (const a of axes) if (x.shape[a] !== 1) return ctx.unsupported(node, `axis ${a} has size ${x.shape[a]}, not 1`, 'axes');
  return x.shape.filter((_, k) => !axes.includes(k));
}

function unsqueezeShape(ctx: ImportContext, node: OnnxNode, x: Value): number[] {
  const given = listInput(ctx, node, 'axes', 1);
  if (!given) return ctx.unsupported(node, 'needs axes', 'axes');
  const outRank = x.shape.length + given.length;
  const axes = given.map((a) => normAxis(ctx, node, a, outRank, 'axes'));
  const out: number[] = [];
  let next = 0;
  for (let d = 0; d < outRank; d++) out.push(axes.includes(d) ? 1 : x.shape[next++]);
  return out;
}

export const squeezeOp: OpImporter = {
  attrs: ['axes'],
  run: (node, ctx) => {
    const x = ctx.get(node.inputs[0], node);
    return [ctx.reshape(x, squeezeShape(ctx, node, x), node.name)];
  },
  fold: (node, [x], ctx) => [ctx.reshape(x!, squeezeShape(ctx, node, x!), node.name)],
};

export const unsqueezeOp: OpImporter = {
  attrs: ['axes'],
  run: (node, ctx) => {
    const x = ctx.get(node.inputs[0], node);
    return [ctx.reshape(x, unsqueezeShape(ctx, node, x), node.name)];
  },
  fold: (node, [x], ctx) => [ctx.reshape(x!, unsqueezeShape(ctx, node, x!), node.name)],
};

function transposeValue(ctx: ImportContext, node: OnnxNode, x: Value): Value {
  const r = x.shape.length;
  const perm = ctx.ints(node, 'perm', identityPerm(r).reverse())!;
  if (perm.length !== r || new Set(perm).size !== r || perm.some((p) => p < 0 || p >= r)) {
    return ctx.unsupported(node, `perm [${perm}] is not a permutation of the ${r} input dims`, 'perm');
  }
  return ctx.transpose(x, perm);
}

export const transposeOp: OpImporter = {
  attrs: ['perm'],
  run: (node, ctx) => [transposeValue(ctx, node, ctx.get(node.inputs[0], node))],
  fold: (node, [x], ctx) => [transposeValue(ctx, node, x!)],
};

export const identityOp: OpImporter = { attrs: [], run: passThrough, fold: (_n, [x]) => [x] };

export const dropoutOp: OpImporter = {
  attrs: ['ratio', 'seed'],
  run(node, ctx) {
    const training = ctx.constInput(node, 2, 'training_mode', true);
    if (training && training.data[0] !== 0) return ctx.unsupported(node, 'training_mode must be false for inference', 'training_mode');
    if (node.outputs[1]) ctx.markUnavailable(node.outputs[1], `it is the mask output of Dropout node "${node.name}", which the importer does not produce`);
    return passThrough(node, ctx);
  },
};

function concatAll(node: OnnxNode, ctx: ImportContext): Value[] {
  const parts = node.inputs.filter(Boolean).map((n) => ctx.get(n, node));
  const rank = parts[0].shape.length;
  const axis = normAxis(ctx, node, ctx.int(node, 'axis', 0), rank);
  for (const p of parts) {
    if (p.shape.length !== rank || p.shape.some((d, k) => k !== axis && d !== parts[0].shape[k])) {
      return ctx.unsupported(node, `inputs [${parts.map((q) => `[${q.shape}]`).join(', ')}] do not match outside axis ${axis}`);
    }
  }
  return [concatValues(ctx, parts, axis, node.name)];
}

export const concatOp: OpImporter = { attrs: ['axis'], run: concatAll, fold: (node, _ins, ctx) => concatAll(node, ctx) };

function splitAll(node: OnnxNode, ctx: ImportContext): Value[] {
  const x = ctx.get(node.inputs[0], node);
  const axis = normAxis(ctx, node, ctx.int(node, 'axis', 0), x.shape.length);
  const dim = x.shape[axis];
  let sizes = listInput(ctx, node, 'split', 1);
  if (!sizes) {
    const n = ctx.int(node, 'num_outputs', node.outputs.length);
    const chunk = node.attrs.has('num_outputs') ? Math.ceil(dim / n) : dim / n;
    if (!Number.isInteger(chunk)) return ctx.unsupported(node, `axis ${axis} of size ${dim} does not split evenly into ${n} outputs`, 'split');
    sizes = Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  if (sizes.reduce((s, v) => s + v, 0) !== dim) return ctx.unsupported(node, `split sizes [${sizes}] do not add up to ${dim}`, 'split');
  let at = 0;
  return sizes.map((s, i) => {
    const part = sliceAxis(ctx, x, axis, at, 1, s, `${node.name}/${i}`);
    at += s;
    return part;
  });
}

export const splitOp: OpImporter = { attrs: ['axis', 'split', 'num_outputs'], run: splitAll, fold: (node, _ins, ctx) => splitAll(node, ctx) };

function sliceAll(node: OnnxNode, ctx: ImportContext): Value[] {
  let x = ctx.get(node.inputs[0], node);
  const r = x.shape.length;
  const starts = listInput(ctx, node, 'starts', 1);
  const ends = listInput(ctx, node, 'ends', 2);
  if (!starts || !ends || starts.length !== ends.length) return ctx.unsupported(node, 'needs starts and ends of equal length', 'starts');
  const axes = (listInput(ctx, node, 'axes', 3) ?? identityPerm(starts.length)).map((a) => normAxis(ctx, node, a, r, 'axes'));
  const steps = ctx.constInput(node, 4, 'steps', true);
  const stepList = steps ? ints(steps) : starts.map(() => 1);
  axes.forEach((axis, i) => {
    const step = stepList[i];
    if (step === 0) ctx.unsupported(node, 'a step of 0 is invalid', 'steps');
    const { first, count } = resolveSliceAxis(x.shape[axis], starts[i], ends[i], step);
    if (count === 0) ctx.unsupported(node, `the slice of axis ${axis} is empty; empty tensors are not supported`, 'starts');
    x = sliceAxis(ctx, x, axis, first, step, count, axes.length > 1 ? `${node.name}/${i}` : node.name);
  });
  return [x];
}

export const sliceOp: OpImporter = { attrs: ['starts', 'ends', 'axes'], run: sliceAll, fold: (node, _ins, ctx) => sliceAll(node, ctx) };

export const gatherOp: OpImporter = {
  attrs: ['axis'],
  run: (node, ctx) => [gather(ctx, node, ctx.get(node.inputs[0], node), ctx.constInput(node, 1, 'indices'))],
  fold: (node, [data, indices], ctx) => [gather(ctx, node, data!, indices as ConstValue)],
};

export const expandOp: OpImporter = {
  attrs: [],
  fold(node, [x, shape], ctx) {
    const v = x as ConstValue;
    const target = ints(shape as ConstValue);
    const rank = Math.max(v.shape.length, target.length);
    const a = [...Array(rank - v.shape.length).fill(1), ...v.shape];
    const b = [...Array(rank - target.length).fill(1), ...target];
    const out = a.map((d, i) => (d === 1 ? b[i] : d));
    if (a.some((d, i) => d !== b[i] && d !== 1 && b[i] !== 1)) return ctx.unsupported(node, `cannot expand [${v.shape}] to [${target}]`, 'shape');
    return [expandConst(v, out)];
  },
};

/**
 * Pad, constant mode: pads of 0 vanish; a zero pad on the spatial axes whose
 * every consumer is a Conv or AveragePool is handed to them (ctx.deferPad)
 * and becomes their own padding; anything else is built from concats with
 * constant blocks (and slices for negative pads).
 */
export const padOp: OpImporter = {
  attrs: ['mode', 'pads', 'value'],
  run(node, ctx) {
    const x = ctx.get(node.inputs[0], node);
    const r = x.shape.length;
    const mode = ctx.str(node, 'mode', 'constant');
    if (mode !== 'constant') return ctx.unsupported(node, `pad mode "${mode}" is not supported (only constant)`, 'mode', mode);
    const given = listInput(ctx, node, 'pads', 1);
    if (!given) return ctx.unsupported(node, 'needs pads', 'pads');
    const axesInput = ctx.constInput(node, 3, 'axes', true);
    const axes = axesInput ? ints(axesInput).map((a) => normAxis(ctx, node, a, r, 'axes')) : identityPerm(r);
    if (given.length !== 2 * axes.length) return ctx.unsupported(node, `pads must hold 2 x ${axes.length} values`, 'pads', `[${given}]`);
    const pads = new Array<number>(2 * r).fill(0);
    axes.forEach((a, i) => {
      pads[a] = given[i];
      pads[r + a] = given[axes.length + i];
    });
    const valueInput = ctx.constInput(node, 2, 'constant_value', true);
    const value = valueInput ? valueInput.data[0] : ctx.float(node, 'value', 0);
    if (pads.every((p) => p === 0)) return [x];
    if (x.kind === 'tensor' && value === 0 && ctx.deferPad(node, x, pads)) return [x];
    let v: Value = x;
    for (let a = 0; a < r; a++) {
      const [before, after] = [pads[a], pads[r + a]];
      if (before < 0 || after < 0) {
        const first = Math.max(0, -before);
        v = sliceAxis(ctx, v, a, first, 1, v.shape[a] - first - Math.max(0, -after), `${node.name}/crop${a}`);
      }
      const block = (n: number) => {
        const shape = v.shape.map((d, k) => (k === a ? n : d));
        return makeConst(shape, 'float', new Float32Array(elementCount(shape)).fill(value));
      };
      const parts = [...(before > 0 ? [block(before)] : []), v, ...(after > 0 ? [block(after)] : [])];
      if (parts.length > 1) v = concatValues(ctx, parts, a, `${node.name}/pad${a}`);
    }
    return [v];
  },
};
