// Shapes of a model at another batch size: the trainer runs the graph with
// batch N (and exports it with batch 1), so every activation shape is
// re-inferred by the ops' own `infer` from the inputs' new leading dim.
import { fail } from '../errors.ts';
import type { Model, TensorData } from '../graph/model.ts';
import { getOpDef } from '../ops/registry.ts';
import { opWhere } from '../ops/attrs.ts';
import type { ShapeInfo } from '../ops/types.ts';

export interface OpShapes {
  ins: (ShapeInfo | undefined)[];
  outs: ShapeInfo[];
}

export interface BatchShapes {
  /** Shape of every tensor at this batch. */
  tensors: number[][];
  ops: OpShapes[];
}

/**
 * Infers every shape with the model inputs' leading dim set to `batch`.
 * `dataOf(t)` supplies constant data (defaults to the model's own).
 */
export function inferBatchShapes(model: Model, batch: number, dataOf: (t: number) => TensorData | undefined = (t) => model.tensors[t].data): BatchShapes {
  const tensors: (number[] | undefined)[] = model.tensors.map((t) => (t.data ? [...t.shape] : undefined));
  for (const i of model.inputs) {
    const s = model.tensors[i].shape;
    if (s.length === 0) fail('MODEL_SHAPE_MISMATCH', 'a model input needs a leading batch dim to train', { where: { tensor: model.tensors[i].name }, found: '[]' });
    tensors[i] = [batch, ...s.slice(1)];
  }
  const info = (t: number): ShapeInfo | undefined => {
    if (t < 0) return undefined;
    const shape = tensors[t];
    if (!shape) return fail('MODEL_GRAPH', `tensor ${model.tensors[t].name} is used before it is produced`, { where: { tensor: model.tensors[t].name } });
    const data = dataOf(t);
    return { shape, dtype: model.tensors[t].dtype, ...(data ? { data } : {}) };
  };
  const ops = model.ops.map((op) => {
    const ins = op.inputs.map(info);
    const outs = getOpDef(op.type, opWhere(op)).infer(ins, op.attrs, opWhere(op));
    op.outputs.forEach((t, i) => (tensors[t] = outs[i].shape));
    return { ins, outs };
  });
  return { tensors: tensors.map((s) => s ?? []), ops };
}
