// Activation lifetimes: which arena buffer each non-constant tensor lives in,
// and over which ops that buffer must hold its bytes. Constants are not
// planned here: they live in the weight region, filled once at load.
//
// Grouping follows the ops' `memory` contract (src/ops/types.ts):
//  - 'alias' (reshape, flatten): output 0 IS input 0's bytes, always, so the
//    two tensors share one buffer whose lifetime covers both;
//  - 'inplace' (element-wise): output 0 takes over input 0's buffer when
//    nothing reads that buffer after this op, it is not a graph output, and
//    the sizes match; the old contents die exactly where the new ones start.
// Lifetimes are inclusive op-index ranges, the unit the arena planner packs.
import { fail } from '../errors.ts';
import { isConstant, tensorBytes, type Model } from '../graph/model.ts';

export type MemoryKind = 'alias' | 'inplace' | undefined;

export interface ActivationBuffer {
  id: number;
  /** The largest tensor the buffer holds (unaligned; the planner aligns). */
  bytes: number;
  /** First op during which the buffer holds live data (inclusive). */
  start: number;
  /** Last op during which the buffer holds live data (inclusive). */
  end: number;
  /** Tensor indices stored in it, in the order they were assigned. */
  tensors: number[];
}

export interface BufferSet {
  buffers: ActivationBuffer[];
  /** Tensor index -> buffer id; -1 for constants and for activations no op or input touches. */
  tensorBuffer: number[];
}

/**
 * Groups the model's activations into arena buffers and computes each
 * buffer's lifetime. `memoryKinds[i]` is op i's OpDef.memory.
 *
 * Graph inputs are live from op 0 to their last use; an op's outputs from
 * that op to their last consumer (at least the op itself, so an output nobody
 * reads still has somewhere to be written); graph outputs to the last op.
 * Buffer ids follow first appearance (graph inputs, then outputs in op
 * order), so the result depends only on the model.
 */
export function computeBuffers(model: Model, memoryKinds: readonly MemoryKind[]): BufferSet {
  const { tensors, ops } = model;
  if (memoryKinds.length !== ops.length) {
    fail('MODEL_GRAPH', 'one memory kind per op is needed to plan memory', { expected: ops.length, found: memoryKinds.length });
  }
  const lastOp = Math.max(ops.length - 1, 0);
  const isOutput = new Uint8Array(tensors.length);
  for (const t of model.outputs) isOutput[t] = 1;

  // Last op that reads each tensor; -1 if none does.
  const lastUse = new Int32Array(tensors.length).fill(-1);
  ops.forEach((op, i) => {
    for (const t of op.inputs) if (t >= 0) lastUse[t] = i;
  });
  /** The last op a tensor must survive, given when it appears. */
  const endOf = (t: number, start: number) => (isOutput[t] ? lastOp : Math.max(lastUse[t], start));

  const tensorBuffer: number[] = new Array(tensors.length).fill(-1);
  const buffers: ActivationBuffer[] = [];
  const newBuffer = (t: number, start: number) => {
    const b: ActivationBuffer = { id: buffers.length, bytes: tensorBytes(tensors[t]), start, end: endOf(t, start), tensors: [t] };
    buffers.push(b);
    tensorBuffer[t] = b.id;
  };
  const join = (b: ActivationBuffer, t: number, start: number) => {
    b.bytes = Math.max(b.bytes, tensorBytes(tensors[t]));
    b.start = Math.min(b.start, start);
    b.end = Math.max(b.end, endOf(t, start));
    b.tensors.push(t);
    tensorBuffer[t] = b.id;
  };

  for (const t of model.inputs) {
    if (isConstant(tensors[t])) fail('MODEL_GRAPH', 'a graph input cannot be a constant', { where: { tensor: tensors[t].name } });
    if (tensorBuffer[t] < 0) newBuffer(t, 0);
  }

  ops.forEach((op, i) => {
    for (const t of op.inputs) {
      if (t >= 0 && !isConstant(tensors[t]) && tensorBuffer[t] < 0) {
        fail('MODEL_GRAPH', 'an op reads an activation that no earlier op produces and that is not a graph input', {
          where: { op: op.name, tensor: tensors[t].name },
        });
      }
    }
    op.outputs.forEach((t, k) => {
      if (isConstant(tensors[t])) fail('MODEL_GRAPH', 'an op output cannot be a constant', { where: { op: op.name, tensor: tensors[t].name } });
      if (tensorBuffer[t] >= 0) fail('MODEL_GRAPH', 'a tensor is produced twice (or is a graph input and produced)', { where: { op: op.name, tensor: tensors[t].name } });
      const src = op.inputs[0];
      // An alias of a constant has no arena bytes to share: it gets its own
      // buffer (constant folding should have removed such an op).
      const shared = k === 0 && src !== undefined && src >= 0 ? tensorBuffer[src] : -1;
      if (shared >= 0 && memoryKinds[i] === 'alias') return join(buffers[shared], t, i);
      if (shared >= 0 && memoryKinds[i] === 'inplace' && canTakeOver(buffers[shared], i, tensorBytes(tensors[t]))) return join(buffers[shared], t, i);
      newBuffer(t, i);
    });
  });

  function canTakeOver(b: ActivationBuffer, i: number, bytes: number): boolean {
    // b.end already covers every later reader and graph outputs (to lastOp).
    if (b.bytes !== bytes || b.end > i) return false;
    return b.tensors.every((t) => !isOutput[t]);
  }

  return { buffers, tensorBuffer };
}
