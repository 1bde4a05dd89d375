// A trained graph as an inference model: current parameter values,
// batch-norm folded into the conv/dense before it (its running statistics
// become a per-channel scale and shift, graph/builder.ts
// foldAffineIntoProducer), dropout removed, a standalone activation fused
// back into the producer it follows, and activation shapes re-inferred at
// the export batch. A batch-norm with nothing to fold into stays as a
// batchNorm op (the runtime runs it as scale and shift).
import type { Attrs, Model, Op, Tensor, TensorData } from '../graph/model.ts';
import { foldAffineIntoProducer } from '../graph/builder.ts';
import { batchNormAffine } from '../ops/batchnorm.ts';
import { inferBatchShapes } from './shapes.ts';

const PRODUCERS = new Set(['dense', 'conv1d', 'conv2d', 'depthwiseConv1d', 'depthwiseConv2d']);
const ACTIVATION_OPS = new Set(['relu', 'relu6', 'clip', 'leakyRelu', 'sigmoid', 'tanh', 'hardSwish', 'hardSigmoid']);

export function exportTrainedModel(model: Model, current: (t: number) => TensorData, batch: number): Model {
  const tensors: Tensor[] = model.tensors.map((t, i) => ({ ...t, shape: [...t.shape], ...(t.data ? { data: current(i).slice() } : {}) }));
  let ops: Op[] = model.ops.map((op) => ({ ...op, inputs: [...op.inputs], outputs: [...op.outputs], attrs: { ...op.attrs } }));
  const outputs = [...model.outputs];
  const uses = (t: number) => ops.filter((o) => o.inputs.includes(t)).length + (outputs.includes(t) ? 1 : 0);
  const producer = (t: number) => ops.find((o) => o.outputs.includes(t));
  const names = new Set(tensors.map((t) => t.name));
  const addBias = (name: string, shape: number[]) => {
    let n = name;
    for (let i = 1; names.has(n); i++) n = `${name}_${i}`;
    names.add(n);
    tensors.push({ name: n, shape, dtype: 'f32', data: new Float32Array(shape[0]) });
    return tensors.length - 1;
  };
  // Moves `op`'s output onto `from`'s producer (which then writes it) when that producer is foldable.
  const foldable = (t: number, needNoActivation: boolean): Op | undefined => {
    const p = producer(t);
    if (!p || !PRODUCERS.has(p.type) || uses(t) !== 1) return undefined;
    if (needNoActivation && p.attrs.activation !== undefined && p.attrs.activation !== 'none') return undefined;
    return p;
  };

  const removed = new Set<Op>();
  for (const op of ops) {
    if (op.type === 'dropout') {
      const [from, to] = [op.inputs[0], op.outputs[0]];
      const p = producer(from);
      if (p && uses(from) === 1 && !model.inputs.includes(from)) {
        p.outputs[p.outputs.indexOf(from)] = to;
      } else {
        for (const o of ops) o.inputs = o.inputs.map((t) => (t === to ? from : t));
        for (let i = 0; i < outputs.length; i++) if (outputs[i] === to) outputs[i] = from;
      }
      removed.add(op);
    } else if (op.type === 'batchNorm') {
      const p = foldable(op.inputs[0], true);
      if (!p) continue;
      const [gamma, beta, mean, variance] = op.inputs.slice(1).map((t) => tensors[t].data!);
      const { scale, shift } = batchNormAffine(gamma, beta, mean, variance, Number(op.attrs.epsilon ?? 1e-5));
      foldAffineIntoProducer(p, tensors, scale, shift, addBias);
      p.outputs[0] = op.outputs[0];
      removed.add(op);
    } else if (ACTIVATION_OPS.has(op.type)) {
      const p = foldable(op.inputs[0], true);
      if (!p) continue;
      const attrs: Attrs = { ...p.attrs, activation: op.type };
      for (const key of ['min', 'max', 'alpha', 'beta']) if (op.attrs[key] !== undefined) attrs[key] = op.attrs[key];
      p.attrs = attrs;
      p.outputs[0] = op.outputs[0];
      removed.add(op);
    }
    if (removed.has(op)) ops = ops.filter((o) => o !== op);
  }
  ops = ops.filter((o) => !removed.has(o));

  // Keep only referenced tensors, renumbered in their original order.
  const live = new Set<number>([...model.inputs, ...outputs]);
  for (const op of ops) for (const t of [...op.inputs, ...op.outputs]) if (t >= 0) live.add(t);
  const order = [...live].sort((a, b) => a - b);
  const index = new Map(order.map((t, i) => [t, i]));
  const remap = (t: number) => (t < 0 ? -1 : index.get(t)!);
  const out: Model = {
    name: model.name,
    tensors: order.map((t) => tensors[t]),
    ops: ops.map((op) => ({ ...op, inputs: op.inputs.map(remap), outputs: op.outputs.map(remap) })),
    inputs: model.inputs.map(remap),
    outputs: outputs.map(remap),
    metadata: { ...model.metadata, provenance: `${model.metadata.provenance ?? 'tinysense builder'}; trained with the tinysense trainer` },
  };
  const shapes = inferBatchShapes(out, batch);
  out.tensors.forEach((t, i) => {
    if (!t.data) t.shape = shapes.tensors[i];
  });
  return out;
}
