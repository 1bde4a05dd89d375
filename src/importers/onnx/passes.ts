// Graph passes over the imported IR, run to a fixed point:
//   - no-ops: identity on runtime data, reshape to the same shape, a reshape
//     of a reshape (reads the first input directly);
//   - affine folding: a mul / add / sub by a per-channel constant right after
//     a dense / conv / depthwise (batch-norm, a MatMul's bias) goes into its
//     weights and bias (foldAffineIntoProducer, the builder's own fold);
//   - activation fusion: relu, clip, ... right after such an op becomes its
//     `activation` attribute (its kernel's fused epilogue);
//   - flatten without transpose: transpose -> reshape that flattens the
//     transposed axes into the last one, read only by dense / gru / lstm,
//     reads the untransposed data and permutes the weight rows instead (a
//     channels-last conv feeding an NCHW-order Flatten -> Gemm);
//   - dead ops and unused tensors are dropped.
import { foldAffineIntoProducer } from '../../graph/builder.ts';
import { elementCount, type Model, type Op, type Tensor } from '../../graph/model.ts';
import type { Attrs } from '../../graph/model.ts';

/** Ops that contract the last axis of input 0 with the rows of constant input 1. */
const ROW_READERS = new Set(['dense', 'gru', 'lstm']);
const FUSABLE_PRODUCERS = new Set(['dense', 'conv1d', 'conv2d', 'depthwiseConv1d', 'depthwiseConv2d']);
const ACTIVATION_PARAMS: Record<string, string[]> = {
  relu: [], relu6: [], sigmoid: [], tanh: [], hardSwish: [], clip: ['min', 'max'], leakyRelu: ['alpha'], hardSigmoid: ['alpha', 'beta'],
};

interface Uses {
  producer: (Op | undefined)[];
  consumers: number[];
}

function uses(m: Model): Uses {
  const producer: (Op | undefined)[] = m.tensors.map(() => undefined);
  const consumers = m.tensors.map(() => 0);
  for (const op of m.ops) {
    for (const o of op.outputs) producer[o] = op;
    for (const i of op.inputs) if (i >= 0) consumers[i]++;
  }
  for (const o of m.outputs) consumers[o]++;
  return { producer, consumers };
}

/** Every read of tensor `from` reads `to` instead; `to` takes `from`'s name if `from` is a graph output. */
function replaceTensor(m: Model, from: number, to: number): void {
  for (const op of m.ops) op.inputs = op.inputs.map((i) => (i === from ? to : i));
  if (m.outputs.includes(from)) {
    m.outputs = m.outputs.map((o) => (o === from ? to : o));
    m.tensors[to].name = m.tensors[from].name;
  }
}

/** An op that can drop out by reading its input in place of its output. */
function isNoOp(m: Model, op: Op): boolean {
  const x = m.tensors[op.inputs[0]];
  if (op.type !== 'identity' && op.type !== 'reshape') return false;
  if (!x || x.data) return false; // a constant needs the copy the op makes
  const y = m.tensors[op.outputs[0]];
  const sameShape = x.shape.length === y.shape.length && x.shape.every((d, i) => d === y.shape[i]);
  // A graph input passed straight to a graph output still needs an op.
  return sameShape && !(m.inputs.includes(op.inputs[0]) && m.outputs.includes(op.outputs[0]));
}

/** [C] (or [1, ..., 1, C], or one value) broadcast along the last axis of a [..., C] tensor. */
function perChannel(t: Tensor, c: number): Float32Array | undefined {
  if (!t.data || t.dtype !== 'f32') return undefined;
  const n = elementCount(t.shape);
  if (t.shape.slice(0, -1).some((d) => d !== 1)) return undefined;
  if (n === c) return t.data as Float32Array;
  if (n === 1) return new Float32Array(c).fill(t.data[0]);
  return undefined;
}

/**
 * reshape(transpose(x)) flattening the transposed trailing axes into the last
 * axis, read only as the contracted axis of dense / gru / lstm: the reshape
 * reads x directly and each reader's weight rows are permuted to match.
 */
function flattenWithoutTranspose(m: Model, op: Op, producer: (Op | undefined)[], consumers: number[]): boolean {
  const t = producer[op.inputs[0]];
  if (op.type !== 'reshape' || t?.type !== 'transpose' || consumers[t.outputs[0]] !== 1 || m.outputs.includes(t.outputs[0])) return false;
  const x = t.inputs[0];
  const perm = t.attrs.perm as number[];
  const xs = m.tensors[x].shape;
  const ts = m.tensors[t.outputs[0]].shape;
  const rs = m.tensors[op.outputs[0]].shape;
  const k = perm.findIndex((p, i) => p !== i);
  if (k < 0 || m.tensors[x].data || m.outputs.includes(op.outputs[0])) return false;
  if (elementCount(ts.slice(k)) !== rs[rs.length - 1] || elementCount(ts.slice(0, k)) !== elementCount(rs.slice(0, -1))) return false;
  const readers = m.ops.filter((o) => o.inputs.includes(op.outputs[0]));
  const ok = readers.every((o) => ROW_READERS.has(o.type) && o.inputs.indexOf(op.outputs[0]) === 0 && o.inputs.lastIndexOf(op.outputs[0]) === 0 && m.tensors[o.inputs[1]]?.data);
  if (!ok || readers.length !== consumers[op.outputs[0]]) return false;
  // Feature j in x's order sits at position rowOf[j] in the transposed order.
  const tail = xs.slice(k);
  const tStrides = ts.slice(k).map((_, i) => elementCount(ts.slice(k + i + 1)));
  const n = elementCount(tail);
  const rowOf = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    let rest = j;
    let pos = 0;
    for (let a = tail.length - 1; a >= 0; a--) {
      const idx = rest % tail[a];
      rest = Math.floor(rest / tail[a]);
      pos += idx * tStrides[perm.indexOf(a + k) - k];
    }
    rowOf[j] = pos;
  }
  for (const r of readers) {
    const w = m.tensors[r.inputs[1]];
    const cols = w.shape[1];
    const src = w.data as Float32Array;
    const out = new Float32Array(src.length);
    for (let j = 0; j < n; j++) out.set(src.subarray(rowOf[j] * cols, (rowOf[j] + 1) * cols), j * cols);
    w.data = out;
  }
  op.inputs[0] = x;
  return true;
}

function step(m: Model): boolean {
  const { producer, consumers } = uses(m);
  for (let k = 0; k < m.ops.length; k++) {
    const op = m.ops[k];
    if (flattenWithoutTranspose(m, op, producer, consumers)) return true;
    if (isNoOp(m, op)) {
      replaceTensor(m, op.outputs[0], op.inputs[0]);
      m.ops.splice(k, 1);
      return true;
    }
    if (op.type === 'reshape') {
      const before = producer[op.inputs[0]];
      if (before?.type === 'reshape' && !m.tensors[before.inputs[0]].data) {
        op.inputs[0] = before.inputs[0];
        return true;
      }
    }
    // Fusions into the op producing this op's (only) runtime input.
    const xIndex = op.inputs.findIndex((i) => i >= 0 && !m.tensors[i].data);
    if (xIndex < 0) continue;
    const x = op.inputs[xIndex];
    const p = producer[x];
    if (!p || !FUSABLE_PRODUCERS.has(p.type) || consumers[x] !== 1 || m.outputs.includes(x)) continue;
    const hasActivation = p.attrs.activation !== undefined && p.attrs.activation !== 'none';
    const y = m.tensors[op.outputs[0]];
    const xShape = m.tensors[x].shape;
    if (op.type in ACTIVATION_PARAMS && !hasActivation) {
      const attrs: Attrs = { activation: op.type };
      for (const key of ACTIVATION_PARAMS[op.type]) if (op.attrs[key] !== undefined) attrs[key] = op.attrs[key];
      Object.assign(p.attrs, attrs);
      replaceTensor(m, op.outputs[0], x);
      m.ops.splice(k, 1);
      return true;
    }
    if ((op.type === 'mul' || op.type === 'add' || (op.type === 'sub' && xIndex === 0)) && !hasActivation && y.shape.join() === xShape.join()) {
      const c = xShape[xShape.length - 1];
      const v = perChannel(m.tensors[op.inputs[1 - xIndex]], c);
      if (!v) continue;
      const scale = op.type === 'mul' ? v : new Float32Array(c).fill(1);
      const shift = op.type === 'add' ? v : op.type === 'sub' ? v.map((s) => -s) : new Float32Array(c);
      foldAffineIntoProducer(p, m.tensors, scale, shift, (name, shape) => {
        m.tensors.push({ name: uniqueTensorName(m, name), shape, dtype: 'f32', data: new Float32Array(shape[0]) });
        return m.tensors.length - 1;
      });
      replaceTensor(m, op.outputs[0], x);
      m.ops.splice(k, 1);
      return true;
    }
  }
  return false;
}

function uniqueTensorName(m: Model, base: string): string {
  const taken = new Set(m.tensors.map((t) => t.name));
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** Drops ops none of whose outputs is read and tensors nothing refers to; renumbers the rest. */
function compact(m: Model): Model {
  const live = new Set<number>(m.outputs);
  const ops: Op[] = [];
  for (let k = m.ops.length - 1; k >= 0; k--) {
    const op = m.ops[k];
    if (!op.outputs.some((o) => live.has(o))) continue;
    ops.unshift(op);
    for (const i of op.inputs) if (i >= 0) live.add(i);
  }
  for (const i of m.inputs) live.add(i);
  for (const op of ops) for (const o of op.outputs) live.add(o);
  const index = new Map<number, number>();
  const tensors: Tensor[] = [];
  m.tensors.forEach((t, i) => {
    if (!live.has(i)) return;
    index.set(i, tensors.length);
    tensors.push(t);
  });
  const at = (i: number) => (i < 0 ? -1 : index.get(i)!);
  return {
    ...m,
    tensors,
    ops: ops.map((op) => ({ ...op, inputs: op.inputs.map(at), outputs: op.outputs.map(at) })),
    inputs: m.inputs.map(at),
    outputs: m.outputs.map(at),
  };
}

export function optimizeImported(model: Model): Model {
  const m: Model = { ...model, ops: model.ops.map((op) => ({ ...op, inputs: [...op.inputs], attrs: { ...op.attrs } })), tensors: [...model.tensors], outputs: [...model.outputs] };
  let changed = true;
  for (let guard = 0; changed && guard < 100_000; guard++) changed = step(m);
  return compact(m);
}
