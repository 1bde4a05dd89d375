// Arithmetic: element-wise binaries (with broadcasting), activations,
// Softmax / LogSoftmax, Gemm / MatMul (to dense), BatchNormalization (to a
// per-channel multiply-add that passes.ts folds into the producer),
// ReduceMean, and the constant-only ops shape subgraphs use.
import { elementCount } from '../../../graph/model.ts';
import { broadcastShape } from '../../../ops/elementwise.ts';
import { makeConst, normAxis, type ConstValue, type ImportContext, type TensorValue, type Value } from '../context.ts';
import { broadcastBinary, expandConst } from '../fold.ts';
import { identityPerm, permuteShape, transposeData } from '../layout.ts';
import type { OnnxNode } from '../parse.ts';
import type { OpImporter } from './types.ts';

const F32_MAX = 3.4028234663852886e38;
const f32 = Math.fround;

// ------------------------------------------------------------- binary

/** An IR constant for `c`, broadcast against a runtime operand in layout `perm` of rank `rank`. */
function constOperand(ctx: ImportContext, c: ConstValue, perm: number[], rank: number, name: string) {
  const lifted = [...Array(rank - c.shape.length).fill(1), ...c.shape];
  let stored = permuteShape(lifted, perm);
  const data = transposeData(c.data, lifted, perm);
  // Leading 1s change nothing under right-aligned broadcasting; [C] reads best.
  while (stored.length > 1 && stored[0] === 1) stored = stored.slice(1);
  return ctx.constant(name, stored, data);
}

/** a <type> b with NumPy broadcasting, in the layout of the runtime operand. */
export function binary(ctx: ImportContext, type: string, a: Value, b: Value, name: string): Value {
  const shape = broadcastShape(a.shape, b.shape, { file: ctx.file, op: name });
  const rank = shape.length;
  const tensors = [a, b].filter((v): v is TensorValue => v.kind === 'tensor');
  const lead = tensors.find((t) => t.shape.length === rank && !ctx.isPlain(t)) ?? tensors.find((t) => t.shape.length === rank) ?? tensors[0];
  const liftedLead = lead.shape.length === rank ? lead : (ctx.reshape(lead, [...Array(rank - lead.shape.length).fill(1), ...lead.shape], `${name}/lift`) as TensorValue);
  const perm = liftedLead.perm;
  const operand = (v: Value, i: number) => {
    if (v === lead) return ctx.as(liftedLead, perm, name);
    if (v.kind === 'const') return constOperand(ctx, v, perm, rank, `${name}.${i}`);
    const lifted = v.shape.length === rank ? v : ctx.reshape(v, [...Array(rank - v.shape.length).fill(1), ...v.shape], `${name}/lift${i}`);
    return ctx.as(lifted, perm, `${name}/in${i}`);
  };
  const ref = ctx.emit(type, [operand(a, 0), operand(b, 1)], {}, name)[0];
  return ctx.tensor(ref, shape, perm);
}

type NumFn = (x: number, y: number) => number;

function binaryOp(irType: string, f: NumFn, intF: NumFn = f): OpImporter {
  return {
    attrs: [],
    run(node, ctx) {
      const ins = node.inputs.map((n) => ctx.get(n, node));
      let acc = ins[0];
      for (let i = 1; i < ins.length; i++) acc = binary(ctx, irType, acc, ins[i], i === ins.length - 1 ? node.name : `${node.name}/${i}`);
      return [acc];
    },
    fold(_node, ins) {
      const vs = ins as ConstValue[];
      let acc = vs[0];
      for (let i = 1; i < vs.length; i++) {
        const dtype = acc.dtype === 'float' || vs[i].dtype === 'float' ? 'float' : 'int';
        acc = broadcastBinary(acc, vs[i], dtype === 'float' ? (x, y) => f32(f(x, y)) : intF, dtype);
      }
      return [acc];
    },
  };
}

export const addOp = binaryOp('add', (x, y) => x + y);
export const subOp = binaryOp('sub', (x, y) => x - y);
export const mulOp = binaryOp('mul', (x, y) => x * y);
export const divOp = binaryOp('div', (x, y) => x / y, (x, y) => Math.trunc(x / y));
export const maxOp = binaryOp('max', Math.max);
export const minOp = binaryOp('min', Math.min);

/** Constant-only comparisons and selections (shape subgraphs). */
function compareOp(f: NumFn): OpImporter {
  return { attrs: [], fold: (_n, [a, b]) => [broadcastBinary(a as ConstValue, b as ConstValue, (x, y) => (f(x, y) ? 1 : 0), 'bool')] };
}
export const equalOp = compareOp((x, y) => Number(x === y));
export const lessOp = compareOp((x, y) => Number(x < y));
export const greaterOp = compareOp((x, y) => Number(x > y));
export const powOp: OpImporter = {
  attrs: [],
  fold: (_n, [a, b]) => [broadcastBinary(a as ConstValue, b as ConstValue, (x, y) => ((a as ConstValue).dtype === 'float' ? f32(x ** y) : x ** y), (a as ConstValue).dtype)],
};
export const whereOp: OpImporter = {
  attrs: [],
  fold(_n, [c, x, y]) {
    const [cv, xv, yv] = [c, x, y] as ConstValue[];
    const shape = broadcastShape(broadcastShape(cv.shape, xv.shape), yv.shape);
    const [ce, xe, ye] = [cv, xv, yv].map((v) => expandConst(v, shape));
    const out = xv.dtype === 'float' ? new Float32Array(ce.data.length) : new Float64Array(ce.data.length);
    for (let i = 0; i < out.length; i++) out[i] = ce.data[i] ? xe.data[i] : ye.data[i];
    return [makeConst(shape, xv.dtype, out)];
  },
};

// ------------------------------------------------------------- unary

function unaryFold(f: (x: number) => number): OpImporter['fold'] {
  return (_n, [x]) => {
    const v = x as ConstValue;
    return [makeConst(v.shape, v.dtype, v.dtype === 'float' ? Float32Array.from(v.data, (d) => f32(f(d))) : Float64Array.from(v.data, f))];
  };
}

/** An element-wise activation: same shape and layout as its input. */
function activation(ctx: ImportContext, node: OnnxNode, type: string, attrs: Record<string, number> = {}): Value[] {
  const x = ctx.tensorInput(node, 0, 'X');
  return [ctx.tensor(ctx.emit(type, [x.ref], attrs, node.name)[0], x.shape, x.perm)];
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const reluOp: OpImporter = { attrs: [], run: (n, ctx) => activation(ctx, n, 'relu'), fold: unaryFold((x) => Math.max(0, x)) };
export const sigmoidOp: OpImporter = { attrs: [], run: (n, ctx) => activation(ctx, n, 'sigmoid'), fold: unaryFold(sigmoid) };
export const tanhOp: OpImporter = { attrs: [], run: (n, ctx) => activation(ctx, n, 'tanh'), fold: unaryFold(Math.tanh) };
export const hardSwishOp: OpImporter = { attrs: [], run: (n, ctx) => activation(ctx, n, 'hardSwish') };
export const leakyReluOp: OpImporter = { attrs: ['alpha'], run: (n, ctx) => activation(ctx, n, 'leakyRelu', { alpha: ctx.float(n, 'alpha', 0.01) }) };
export const hardSigmoidOp: OpImporter = {
  attrs: ['alpha', 'beta'],
  run: (n, ctx) => activation(ctx, n, 'hardSigmoid', { alpha: ctx.float(n, 'alpha', 0.2), beta: ctx.float(n, 'beta', 0.5) }),
};
export const negOp: OpImporter = { attrs: [], fold: unaryFold((x) => -x) };
export const sqrtOp: OpImporter = { attrs: [], fold: unaryFold(Math.sqrt) };
export const floorOp: OpImporter = { attrs: [], fold: unaryFold(Math.floor) };
export const ceilOp: OpImporter = { attrs: [], fold: unaryFold(Math.ceil) };

export const clipOp: OpImporter = {
  attrs: ['min', 'max'],
  run(node, ctx) {
    // opset < 11: attributes; opset >= 11: optional constant inputs.
    const lo = ctx.constInput(node, 1, 'min', true)?.data[0] ?? ctx.float(node, 'min', -Infinity);
    const hi = ctx.constInput(node, 2, 'max', true)?.data[0] ?? ctx.float(node, 'max', Infinity);
    if (lo === 0 && hi === Infinity) return activation(ctx, node, 'relu');
    if (lo === 0 && hi === 6) return activation(ctx, node, 'relu6');
    return activation(ctx, node, 'clip', { min: Math.max(lo, -F32_MAX), max: Math.min(hi, F32_MAX) });
  },
};

function softmaxLike(type: 'softmax' | 'logSoftmax'): OpImporter {
  return {
    attrs: ['axis'],
    run(node, ctx) {
      const x = ctx.tensorInput(node, 0, 'input');
      const r = x.shape.length;
      const axis = normAxis(ctx, node, ctx.int(node, 'axis', ctx.opset >= 13 ? -1 : 1), r);
      if (ctx.opset >= 13 || axis === r - 1) {
        return [ctx.tensor(ctx.emit(type, [x.ref], { axis: ctx.storedAxis(x, axis) }, node.name)[0], x.shape, x.perm)];
      }
      // Before opset 13 the input is seen as 2-D [outer, inner] split at axis, normalised over inner.
      const flat = ctx.reshape(x, [elementCount(x.shape.slice(0, axis)), elementCount(x.shape.slice(axis))], `${node.name}/2d`) as TensorValue;
      const y = ctx.tensor(ctx.emit(type, [ctx.plain(flat, node.name)], { axis: 1 }, node.name)[0], flat.shape, identityPerm(2));
      return [ctx.reshape(y, x.shape, `${node.name}/nd`)];
    },
  };
}

export const softmaxOp = softmaxLike('softmax');
export const logSoftmaxOp = softmaxLike('logSoftmax');

// ------------------------------------------------------------- dense

/** x[..., k] . W[k, n] + bias as an IR dense on the ONNX order of the last axis. */
export function dense(ctx: ImportContext, x: TensorValue, w: Float32Array, k: number, n: number, bias: Float32Array | undefined, name: string): TensorValue {
  const r = x.shape.length;
  const perm = x.perm[r - 1] === r - 1 ? x.perm : identityPerm(r);
  const input = ctx.as(x, perm, name);
  const wRef = ctx.constant(`${name}.weight`, [k, n], w);
  const bRef = bias ? ctx.constant(`${name}.bias`, [n], bias) : null;
  const ref = ctx.emit('dense', [input, wRef, bRef], {}, name)[0];
  return ctx.tensor(ref, [...x.shape.slice(0, -1), n], perm);
}

export const gemmOp: OpImporter = {
  attrs: ['alpha', 'beta', 'transA', 'transB'],
  run(node, ctx) {
    let a = ctx.tensorInput(node, 0, 'A');
    const b = ctx.constInput(node, 1, 'B');
    const c = ctx.constInput(node, 2, 'C', true);
    const alpha = ctx.float(node, 'alpha', 1);
    const beta = ctx.float(node, 'beta', 1);
    if (a.shape.length !== 2 || b.shape.length !== 2) return ctx.unsupported(node, `A and B must be 2-D, found [${a.shape}] and [${b.shape}]`);
    if (ctx.int(node, 'transA', 0)) a = ctx.transpose(a, [1, 0]) as TensorValue;
    const transB = ctx.int(node, 'transB', 0) === 1;
    const [k, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (a.shape[1] !== k) return ctx.unsupported(node, `A [${a.shape}] and B [${b.shape}] do not multiply`, 'B');
    const w = Float32Array.from(transB ? transposeData(b.data, b.shape, [1, 0]) : b.data, (v) => f32(v * alpha));
    // A bias that broadcasts along rows becomes dense's bias; a full [M, N] C is a separate add.
    const rowBias = c && elementCount(c.shape) === n && (c.shape.length === 1 || c.shape[0] === 1);
    const scalarBias = c && elementCount(c.shape) === 1;
    const bias = c && (rowBias || scalarBias) ? Float32Array.from({ length: n }, (_, j) => f32(beta * c.data[scalarBias ? 0 : j])) : undefined;
    const y = dense(ctx, a, w, k, n, bias, node.name);
    if (!c || bias) return [y];
    const scaled = makeConst(c.shape, 'float', Float32Array.from(c.data, (v) => f32(v * beta)));
    return [binary(ctx, 'add', y, scaled, `${node.name}/C`)];
  },
};

export const matMulOp: OpImporter = {
  attrs: [],
  run(node, ctx) {
    const a = ctx.tensorInput(node, 0, 'A');
    const bIn = ctx.input(node, 1);
    if (!bIn || bIn.kind !== 'const') return ctx.unsupported(node, 'B must be a constant: only x . W with constant W maps to dense', 'B');
    if (bIn.shape.length > 2) return ctx.unsupported(node, `batched MatMul with B [${bIn.shape}] is not supported`, 'B');
    const b = bIn.shape.length === 1 ? makeConst([bIn.shape[0], 1], bIn.dtype, bIn.data) : bIn;
    const [k, n] = b.shape;
    const x = (a.shape.length === 1 ? ctx.reshape(a, [1, a.shape[0]], `${node.name}/row`) : a) as TensorValue;
    if (x.shape[x.shape.length - 1] !== k) return ctx.unsupported(node, `A [${a.shape}] and B [${bIn.shape}] do not multiply`, 'B');
    let y: Value = dense(ctx, x, Float32Array.from(b.data), k, n, undefined, node.name);
    // Matrix-vector forms drop the dims NumPy's matmul promoted (onnx MatMul = numpy.matmul).
    if (bIn.shape.length === 1) y = ctx.reshape(y, y.shape.slice(0, -1), `${node.name}/vec`);
    if (a.shape.length === 1) y = ctx.reshape(y, y.shape.slice(1), `${node.name}/vec`);
    return [y];
  },
};

// ------------------------------------------------------------- normalisation and reduction

export const batchNormOp: OpImporter = {
  attrs: ['epsilon', 'momentum', 'training_mode', 'spatial'],
  run(node, ctx) {
    const x = ctx.tensorInput(node, 0, 'X');
    if (ctx.int(node, 'training_mode', 0) !== 0) return ctx.unsupported(node, 'training_mode must be 0 (export the model in eval mode)', 'training_mode');
    if (ctx.int(node, 'spatial', 1) !== 1) return ctx.unsupported(node, 'spatial = 0 is not supported', 'spatial');
    const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constInput(node, i, ['scale', 'B', 'input_mean', 'input_var'][i - 1]));
    const eps = ctx.float(node, 'epsilon', 1e-5);
    const c = x.shape[1];
    if (x.shape.length < 2 || [scale, bias, mean, variance].some((t) => elementCount(t.shape) !== c)) {
      return ctx.unsupported(node, `scale, B, mean and var must each hold C = ${x.shape[1]} values`);
    }
    for (const o of node.outputs.slice(1)) if (o) ctx.markUnavailable(o, `it is a training output of BatchNormalization node "${node.name}"`);
    // y = (x - mean) / sqrt(var + eps) * scale + B = x * s + (B - mean * s)
    const s = Float32Array.from({ length: c }, (_, i) => scale.data[i] / Math.sqrt(variance.data[i] + eps));
    const shift = Float32Array.from({ length: c }, (_, i) => bias.data[i] - mean.data[i] * s[i]);
    const perChannel = [c, ...Array(x.shape.length - 2).fill(1)];
    const scaled = binary(ctx, 'mul', x, makeConst(perChannel, 'float', s), `${node.name}/scale`);
    return [binary(ctx, 'add', scaled, makeConst(perChannel, 'float', shift), node.name)];
  },
};

export const reduceMeanOp: OpImporter = {
  attrs: ['axes', 'keepdims', 'noop_with_empty_axes'],
  run(node, ctx) {
    const x = ctx.tensorInput(node, 0, 'data');
    const r = x.shape.length;
    const keep = ctx.int(node, 'keepdims', 1);
    const given = ctx.ints(node, 'axes') ?? (ctx.constInput(node, 1, 'axes', true) ? Array.from(ctx.constInput(node, 1, 'axes').data) : undefined);
    if ((!given || given.length === 0) && ctx.int(node, 'noop_with_empty_axes', 0) === 1) return [x];
    const axes = (given && given.length ? given : identityPerm(r)).map((a) => normAxis(ctx, node, a, r, 'axes')).sort((p, q) => p - q);
    const storedRun = (perm: number[]) => {
      const s = axes.map((a) => perm.indexOf(a)).sort((p, q) => p - q);
      return s.every((v, i) => i === 0 || v === s[i - 1] + 1) ? s : undefined;
    };
    let perm = x.perm;
    let stored = storedRun(perm);
    if (!stored) {
      perm = identityPerm(r);
      stored = storedRun(perm)!;
      if (!axes.every((v, i) => i === 0 || v === axes[i - 1] + 1)) {
        return ctx.unsupported(node, `axes [${axes}] are not adjacent; the mean reduces one run of adjacent axes`, 'axes');
      }
    }
    const ref = ctx.emit('mean', [ctx.as(x, perm, node.name)], { axes: stored, keepDims: keep }, node.name)[0];
    if (keep) return [ctx.tensor(ref, x.shape.map((d, k) => (axes.includes(k) ? 1 : d)), perm)];
    const kept = perm.filter((k) => !axes.includes(k)).map((k) => k - axes.filter((a) => a < k).length);
    return [ctx.tensor(ref, x.shape.filter((_, k) => !axes.includes(k)), kept)];
  },
};

/** Expand on runtime data: x + zeros of the target shape broadcasts it. */
export function expandRuntime(node: OnnxNode, ctx: ImportContext): Value[] {
  const x = ctx.tensorInput(node, 0, 'input');
  const target = Array.from(ctx.constInput(node, 1, 'shape').data);
  const zeros = makeConst(target, 'float', new Float32Array(elementCount(target)));
  const y = binary(ctx, 'add', x, zeros, node.name);
  return [y];
}

